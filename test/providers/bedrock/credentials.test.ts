import { describe, expect, test } from "bun:test";
import { mkdtempSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lookUpCredentials } from "../../../src/providers/bedrock/credentials.ts";
import { bedrockAdapter } from "../../../src/providers/bedrock/index.ts";
import { bedrockSources } from "./helpers.ts";

const NO_FILES = { AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/opentracy/credentials", AWS_CONFIG_FILE: "/nonexistent/opentracy/config" };

function awsDir(credentials: string, config = ""): { credentials: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), "opentracy-aws-"));
  const paths = { credentials: join(dir, "credentials"), config: join(dir, "config") };
  writeFileSync(paths.credentials, credentials);
  writeFileSync(paths.config, config);
  return paths;
}

const look = (env: Record<string, string>, secrets: Record<string, string> = {}, baseUrl = "") => lookUpCredentials(bedrockSources({ env, secrets, baseUrl }));

describe("sources, in the AWS SDKs' order", () => {
  test("the environment wins, session token included", () => {
    const r = look(
      { ...NO_FILES, AWS_ACCESS_KEY_ID: "AKENV", AWS_SECRET_ACCESS_KEY: "senv", AWS_SESSION_TOKEN: "tok", AWS_REGION: "eu-west-1" },
      { aws_access_key_id: "AKFILE", aws_secret_access_key: "sfile" },
    );
    expect(r).toEqual({
      ok: true,
      credentials: { accessKeyId: "AKENV", secretAccessKey: "senv", sessionToken: "tok", region: "eu-west-1", source: "environment" },
    });
  });

  test("secrets.json next, with its region and token", () => {
    const r = look(NO_FILES, { aws_access_key_id: "AKFILE", aws_secret_access_key: "sfile", aws_session_token: "t2", aws_region: "us-west-2" });
    expect(r).toEqual({
      ok: true,
      credentials: { accessKeyId: "AKFILE", secretAccessKey: "sfile", sessionToken: "t2", region: "us-west-2", source: "secrets.json" },
    });
  });

  test("then the shared credentials file: AWS_PROFILE picks the section, ~/.aws/config gives its region", () => {
    const files = awsDir(
      "[default]\naws_access_key_id = AKDEFAULT\naws_secret_access_key = sdefault\n\n[dev]\n# a comment\naws_access_key_id=AKDEV\naws_secret_access_key=sdev\naws_session_token=tdev\n",
      "[default]\nregion = us-east-2\n[profile dev]\nregion = ap-south-1\ns3 =\n  max_concurrent_requests = 20\n",
    );
    const env = { AWS_SHARED_CREDENTIALS_FILE: files.credentials, AWS_CONFIG_FILE: files.config };
    expect(look(env)).toMatchObject({ ok: true, credentials: { accessKeyId: "AKDEFAULT", region: "us-east-2", source: "profile 'default'" } });
    expect(look({ ...env, AWS_PROFILE: "dev" })).toMatchObject({ ok: true, credentials: { accessKeyId: "AKDEV", sessionToken: "tdev", region: "ap-south-1" } });
    // AWS_REGION beats the profile's region.
    expect(look({ ...env, AWS_PROFILE: "dev", AWS_DEFAULT_REGION: "sa-east-1" })).toMatchObject({ credentials: { region: "sa-east-1" } });
  });

  test("keys written into the config file's profile section count too", () => {
    const files = awsDir("", "[profile cfg]\naws_access_key_id = AKCFG\naws_secret_access_key = scfg\nregion = eu-north-1\n");
    expect(look({ AWS_SHARED_CREDENTIALS_FILE: files.credentials, AWS_CONFIG_FILE: files.config, AWS_PROFILE: "cfg" })).toMatchObject({
      ok: true,
      credentials: { accessKeyId: "AKCFG", region: "eu-north-1" },
    });
  });

  test("a source is taken whole: an env access key is never paired with a stored secret", () => {
    const r = look({ ...NO_FILES, AWS_ACCESS_KEY_ID: "AKENV", AWS_REGION: "us-east-1" }, { aws_access_key_id: "AKFILE", aws_secret_access_key: "sfile" });
    expect(r).toMatchObject({ ok: true, credentials: { accessKeyId: "AKFILE", secretAccessKey: "sfile" } });
  });

  test("the region can come from the endpoint's host name", () => {
    const r = look({ ...NO_FILES, AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" }, {}, "https://bedrock-runtime.eu-central-1.amazonaws.com");
    expect(r).toMatchObject({ ok: true, credentials: { region: "eu-central-1" } });
  });
});

describe("profile files are cached until they change", () => {
  test("an unchanged file (same mtime and size) is not read again; a changed one is", () => {
    const files = awsDir("[default]\naws_access_key_id = AKONE1\naws_secret_access_key = s1\n", "[default]\nregion = us-east-1\n");
    const env = { AWS_SHARED_CREDENTIALS_FILE: files.credentials, AWS_CONFIG_FILE: files.config };
    const stamp = 1_700_000_000; // whole seconds, so the mtime survives a round trip exactly
    utimesSync(files.credentials, stamp, stamp);
    expect(look(env)).toMatchObject({ credentials: { accessKeyId: "AKONE1" } });
    // Same length, same mtime: only a fresh read could see the new key.
    writeFileSync(files.credentials, "[default]\naws_access_key_id = AKTWO2\naws_secret_access_key = s1\n");
    utimesSync(files.credentials, stamp, stamp);
    expect(statSync(files.credentials).mtimeMs).toBe(stamp * 1000);
    expect(look(env)).toMatchObject({ credentials: { accessKeyId: "AKONE1" } });
    utimesSync(files.credentials, stamp + 5, stamp + 5);
    expect(look(env)).toMatchObject({ credentials: { accessKeyId: "AKTWO2" } });
  });
});

describe("missing credentials say exactly what is missing and how to fix it", () => {
  test("nothing anywhere", () => {
    const r = look(NO_FILES);
    expect(r.ok).toBe(false);
    const msg = (r as { missing: string }).missing;
    for (const s of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "opentracy keys set bedrock", "~/.aws/credentials"]) expect(msg).toContain(s);
  });

  test("half a pair in the environment or in secrets.json is named", () => {
    expect((look({ ...NO_FILES, AWS_ACCESS_KEY_ID: "AK" }) as any).missing).toContain("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    expect((look(NO_FILES, { aws_access_key_id: "AK" }) as any).missing).toContain("secrets.json has aws_access_key_id but no aws_secret_access_key");
  });

  test("keys but no region", () => {
    const msg = (look({ ...NO_FILES, AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" }) as any).missing;
    expect(msg).toContain("No AWS region");
    expect(msg).toContain("AWS_REGION");
  });

  test("a profile that needs SSO or a role is explained, not silently skipped", () => {
    const files = awsDir("", "[profile sso]\nsso_session = corp\nregion = us-east-1\n");
    const msg = (look({ AWS_SHARED_CREDENTIALS_FILE: files.credentials, AWS_CONFIG_FILE: files.config, AWS_PROFILE: "sso" }) as any).missing;
    expect(msg).toContain("sso_session");
    expect(msg).toContain("aws configure export-credentials --profile sso");
  });

  test("the adapter's credentials step resolves AWS keys and region once, or says what is missing", () => {
    expect(bedrockAdapter.credentials(bedrockSources())).toEqual({
      key: null,
      keySource: "environment",
      aws: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1", source: "environment" },
    });
    expect((bedrockAdapter.credentials(bedrockSources({ env: NO_FILES })) as { missing: string }).missing).toContain("No AWS credentials for bedrock");
  });
});
