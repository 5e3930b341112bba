import { homedir } from "node:os";
import { join } from "node:path";
import type { CredentialSources } from "../credentials.ts";
import type { Credentials } from "../types.ts";
import { readIniFile, type IniSections } from "./profile-files.ts";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  /** Where the keys came from, for messages: "environment", "secrets.json", "profile 'dev'". */
  source: string;
}

export type CredentialLookup = { ok: true; credentials: AwsCredentials } | { ok: false; missing: string };

/** `bedrock-runtime.eu-west-1.amazonaws.com` (and the FIPS and VPC-endpoint forms) name their region. */
const REGION_IN_HOST = /bedrock-runtime(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;
const UNSUPPORTED_PROFILE_KEYS = ["role_arn", "sso_session", "sso_start_url", "credential_process", "web_identity_token_file"];

const HOW_TO =
  "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary credentials), " +
  "or store them with `opentracy keys set bedrock` (secrets aws_access_key_id, aws_secret_access_key, aws_session_token, aws_region), " +
  "or add them to a profile in ~/.aws/credentials (AWS_PROFILE picks it, AWS_SHARED_CREDENTIALS_FILE moves the file).";

/**
 * The keys and region for one request, in the AWS SDKs' order: the environment, then
 * secrets.json, then the shared credentials file. Each source is taken whole — an access key
 * from one place is never paired with a secret from another.
 */
export function lookUpCredentials({ env, secrets, sealed, baseUrl }: Pick<CredentialSources, "env" | "secrets" | "sealed" | "baseUrl">): CredentialLookup {
  const profileName = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || "default";
  // The config file is read lazily: credentials and region from env/secrets need no disk at all.
  let config: IniSections | undefined;
  const configFile = () => (config ??= readIniFile(configPathOf(env)));

  let keys: Omit<AwsCredentials, "region"> | null = null;
  const partial: string[] = [];

  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    keys = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN || undefined,
      source: "environment",
    };
  } else if (env.AWS_ACCESS_KEY_ID || env.AWS_SECRET_ACCESS_KEY) {
    partial.push(
      env.AWS_ACCESS_KEY_ID ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not" : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not",
    );
  }

  const store = sealed?.get("aws_access_key_id") ?? sealed?.get("aws_secret_access_key");
  const stored = store === "clickhouse" ? "the shared key store in ClickHouse" : store === "sealed" ? "the sealed key store" : "secrets.json";
  if (!keys && secrets.aws_access_key_id && secrets.aws_secret_access_key) {
    keys = {
      accessKeyId: secrets.aws_access_key_id,
      secretAccessKey: secrets.aws_secret_access_key,
      sessionToken: secrets.aws_session_token || undefined,
      source: stored,
    };
  } else if (!keys && (secrets.aws_access_key_id || secrets.aws_secret_access_key)) {
    partial.push(
      secrets.aws_access_key_id
        ? `${stored} has aws_access_key_id but no aws_secret_access_key`
        : `${stored} has aws_secret_access_key but no aws_access_key_id`,
    );
  }

  if (!keys) {
    const credentialsPath = env.AWS_SHARED_CREDENTIALS_FILE || join(home(env), ".aws", "credentials");
    const fromCredentials = readIniFile(credentialsPath).get(profileName);
    // The AWS CLI also accepts keys written straight into the config file's profile section.
    const fromConfig = configFile().get(configSection(profileName));
    const configPath = configPathOf(env);
    const [section, sectionFile] = fromCredentials?.get("aws_access_key_id")
      ? [fromCredentials, credentialsPath]
      : fromConfig?.get("aws_access_key_id")
        ? [fromConfig, configPath]
        : [undefined, ""];
    if (section?.get("aws_access_key_id") && section.get("aws_secret_access_key")) {
      keys = {
        accessKeyId: section.get("aws_access_key_id")!,
        secretAccessKey: section.get("aws_secret_access_key")!,
        sessionToken: section.get("aws_session_token") || section.get("aws_security_token") || undefined,
        source: `profile '${profileName}'`,
      };
    } else if (section) {
      partial.push(`profile '${profileName}' in ${sectionFile} has aws_access_key_id but no aws_secret_access_key`);
    } else {
      const indirect = UNSUPPORTED_PROFILE_KEYS.find((k) => fromConfig?.has(k) || fromCredentials?.has(k));
      if (indirect) {
        partial.push(
          `profile '${profileName}' gets its keys through ${indirect}, which opentracy does not run; ` +
            `export them first, e.g. \`eval "$(aws configure export-credentials --profile ${profileName} --format env)"\``,
        );
      } else if (env.AWS_PROFILE) {
        partial.push(`AWS_PROFILE is '${profileName}' but ${credentialsPath} has no keys for it`);
      }
    }
  }

  if (!keys) {
    const detail = partial.length ? `${partial.join("; ")}. ` : "";
    return { ok: false, missing: `No AWS credentials for bedrock. ${detail}${HOW_TO}` };
  }

  const region =
    env.AWS_REGION ||
    env.AWS_DEFAULT_REGION ||
    secrets.aws_region ||
    configFile().get(configSection(profileName))?.get("region") ||
    regionFromEndpoint(baseUrl);
  if (!region) {
    return {
      ok: false,
      missing:
        `No AWS region for bedrock (credentials come from ${keys.source}). Set AWS_REGION (e.g. us-east-1), ` +
        `store aws_region with \`opentracy keys set bedrock\`, or add region = ... to the profile in ~/.aws/config.`,
    };
  }
  return { ok: true, credentials: { ...keys, region } };
}

/** `[default]` is its own name in ~/.aws/config; every other profile is `[profile name]` there. */
function configSection(profile: string): string {
  return profile === "default" ? "default" : `profile ${profile}`;
}

function configPathOf(env: NodeJS.ProcessEnv): string {
  return env.AWS_CONFIG_FILE || join(home(env), ".aws", "config");
}

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || homedir();
}

export function regionFromEndpoint(baseUrl: string): string | undefined {
  if (!baseUrl) return undefined;
  try {
    return REGION_IN_HOST.exec(new URL(baseUrl).hostname)?.[1];
  } catch {
    return undefined;
  }
}

/** Bedrock's credentials step: AWS keys and region for SigV4, no API key. */
export function awsCredentials(sources: CredentialSources): Credentials | { missing: string } {
  const lookup = lookUpCredentials(sources);
  return lookup.ok ? { key: null, keySource: lookup.credentials.source, aws: lookup.credentials } : { missing: lookup.missing };
}
