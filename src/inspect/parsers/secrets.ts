/**
 * Secret detection, one import for the policy checks. Each concern lives in
 * its own file:
 * - secret-detectors.ts: the token formats (one detector each) and the display form of findings
 * - secret-env.ts: credentials in environment variables (key names and values)
 * - history-secrets.ts: credentials in the build history (build args, RUN assignments, ENV/ARG, copied build secrets)
 * - secret-values.ts: credential-shaped values and redaction for display
 * - secret-files.ts: credential files recognised by path
 * - private-key.ts: private key material recognised by content
 */
export { detectToken, detectTokens, isAwsSecretKey, redactedForm, SECRET_DETECTORS } from "./secret-detectors.js";
export type { DetectedToken, SecretDetector } from "./secret-detectors.js";
export { historySecrets, parseHistoryEntry } from "./history-secrets.js";
export { judgeAssignment, secretEnv, secretKeyReason, keyWords } from "./secret-env.js";
export type { SecretEnvFinding } from "./secret-env.js";
export { redact, secretValueKind } from "./secret-values.js";
export type { SecretValueMatch } from "./secret-values.js";
export { secretFileKind } from "./secret-files.js";
export { privateKeyKind, PRIVATE_KEY_SCAN_BYTES } from "./private-key.js";
