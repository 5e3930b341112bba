import { AwsV4Signer } from "aws4fetch";
import type { AwsCredentials } from "./credentials.ts";

/** Bedrock Runtime's SigV4 signing name (the endpoint is bedrock-runtime, the scope is not). */
const SERVICE = "bedrock";
const MAX_KEY_CACHE = 16;

// aws4fetch caches each day's derived signing key here instead of running four HMACs per request.
const signingKeys = new Map<string, ArrayBuffer>();

/**
 * The headers for one POST, signed with SigV4 by aws4fetch (x-amz-date, x-amz-security-token
 * for temporary credentials, authorization). The body is signed as the exact string sent.
 */
export async function signedHeaders(url: string, body: string, headers: Record<string, string>, creds: AwsCredentials): Promise<Headers> {
  // One entry per secret, region and day: a long-running engine must not keep every past day's key.
  if (signingKeys.size >= MAX_KEY_CACHE) signingKeys.clear();
  const signer = new AwsV4Signer({
    method: "POST",
    url,
    headers,
    body,
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    sessionToken: creds.sessionToken,
    service: SERVICE,
    region: creds.region,
    cache: signingKeys,
  });
  const signed = await signer.sign();
  return signed.headers;
}
