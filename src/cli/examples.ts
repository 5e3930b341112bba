import type { Command } from "commander";

/**
 * The "Examples:" section of every command's --help, by command path. One table rather than one
 * per command file, so a command added without examples is one missing row here, and the test
 * that walks the program finds it.
 */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  "": [
    "opentracy keys set openai                 # store a key (hidden prompt)",
    "opentracy serve                           # the engine on http://127.0.0.1:8080/v1",
    "opentracy doctor                          # what is wrong with the setup, and the fix",
    "opentracy traces tail                     # watch the calls go by",
  ],
  serve: [
    "opentracy serve",
    "opentracy serve --port 9000",
    "opentracy serve --port 0                  # a free port, printed on start",
    "OPENTRACY_CLICKHOUSE_URL=http://default:pw@localhost:8123/opentracy opentracy serve",
    "opentracy serve --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem   # needs a token: opentracy tokens create",
  ],
  keys: ["opentracy keys set groq", "opentracy keys list", "opentracy keys rm groq"],
  "keys set": [
    "opentracy keys set openai                 # hidden prompt on a terminal",
    'echo "$GROQ_API_KEY" | opentracy keys set groq',
    "opentracy keys set bedrock < aws.env      # AWS_ACCESS_KEY_ID=… lines, see above",
  ],
  "keys list": ["opentracy keys list", "opentracy keys list --json | jq -r 'select(.key == null) | .provider'"],
  "keys rm": ["opentracy keys rm openai"],
  "keys rotate-master": [
    "opentracy keys rotate-master              # master.key: a new key, every secret sealed again",
    'OPENTRACY_MASTER_KEY="$NEW" OPENTRACY_MASTER_KEY_PREVIOUS="$OLD" opentracy keys rotate-master',
  ],
  alias: ["opentracy alias add smart openai/gpt-4o --fallback anthropic/claude-sonnet-4-6", "opentracy alias list", "opentracy alias rm smart"],
  "alias add": [
    "opentracy alias add smart openai/gpt-4o --fallback anthropic/claude-sonnet-4-6",
    "opentracy alias add cheap groq/llama-3.3-70b-versatile --fallback smart --strategy weighted --weight 3 --weight 1",
  ],
  "alias list": ["opentracy alias list", "opentracy alias list --json"],
  "alias rm": ["opentracy alias rm smart"],
  provider: ["opentracy provider add student --base-url http://localhost:8000/v1 --no-key", "opentracy provider list", "opentracy provider rm student"],
  "provider add": [
    "opentracy provider add student --base-url http://localhost:8000/v1 --no-key      # vLLM, SGLang, TGI",
    "opentracy provider add lmstudio --base-url http://localhost:1234/v1 --no-key     # LM Studio",
    "opentracy provider add corp --base-url https://llm.corp.example/v1 --key-env CORP_LLM_KEY --header X-Team=ml",
    "opentracy provider add proxy --protocol anthropic --base-url https://claude-proxy.example   # then: opentracy keys set proxy",
  ],
  "provider list": ["opentracy provider list", "opentracy provider list --json"],
  "provider rm": ["opentracy provider rm student          # refused while an alias or a price names it"],
  traces: ["opentracy traces tail", "opentracy traces tail --json -n 100 --status error"],
  "traces tail": [
    "opentracy traces tail                     # live table on a terminal",
    "opentracy traces tail -n 50 --no-follow",
    "opentracy traces tail --json --model smart --status error",
  ],
  "traces export": [
    "opentracy traces export -o train.jsonl --since 7d --status ok   # OpenAI chat fine-tuning examples",
    "opentracy traces export --model smart --tag run=exec-1a2b3c4d | wc -l",
    "opentracy traces export --format parquet -o traces.parquet --since 2025-03-01",
  ],
  "traces prune": ["opentracy traces prune                    # traces.retention_days / content_retention_days, now"],
  route: ["opentracy route explain smart"],
  "route explain": ["opentracy route explain smart", "opentracy route explain gpt-4o", "opentracy route explain groq/llama-3.3-70b-versatile --json"],
  tokens: ["opentracy tokens create --name ci", "opentracy tokens update ci --budget-day 5", "opentracy tokens list", "opentracy tokens revoke ci"],
  "tokens create": [
    "opentracy tokens create --name laptop",
    "opentracy tokens create --name ops --admin   # may read /health details",
    "opentracy tokens create --name ci --budget-day 5 --budget-month 100 --rpm 60 --allow 'openai/*' --expires 2027-01-01",
  ],
  "tokens update": [
    "opentracy tokens update ci --budget-day 10 --soft   # over it: flagged, not refused",
    "opentracy tokens update ci --tpm 100000 --allow smart",
    "opentracy tokens update ci --clear rpm --clear expires",
  ],
  "tokens list": ["opentracy tokens list", "opentracy tokens list --json"],
  "tokens revoke": ["opentracy tokens revoke laptop", "opentracy tokens revoke 3f2a9c"],
  exec: [
    "opentracy exec -- python eval.py          # its OpenAI/Anthropic calls tagged run=exec-…, summed up at the end",
    "opentracy exec --run nightly-eval --json -- npm test",
    "opentracy exec --summary-file run.json -q -- ./agent.sh",
  ],
  doctor: [
    "opentracy doctor",
    "opentracy doctor --online                 # also one authenticated call per provider",
    "opentracy doctor --json | jq '.checks[] | select(.ok == false)'",
  ],
  replay: [
    "opentracy replay --to student/my-model --alias smart --since 7d --sample 200",
    "opentracy replay --to openai/gpt-4o-mini --tag team=search --run nightly   # run it again to resume: nothing is sent twice",
    "opentracy replay --to cheap --since 24h --limit 50 --json | jq '.agreement'",
  ],
};

/** The path of a command below the program: "keys set" for `opentracy keys set`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Appends each command's examples to its --help; every command of the program, recursively. */
export function addExamples(cmd: Command): void {
  const lines = EXAMPLES[commandPath(cmd)];
  if (lines) cmd.addHelpText("after", `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
  for (const sub of cmd.commands) addExamples(sub);
}
