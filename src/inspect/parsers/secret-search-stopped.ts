/**
 * The kind of the `filesystem.secretContents` entry that says a file's token search stopped
 * before its searched bytes ended (secret-contents.ts: 16 tokens found, or more
 * token-shaped strings than are judged): what lies after its line was not searched. It
 * has no value: `redacted` says why, `sha256` is "". A module of its own, without node:
 * imports, so that rules can name it.
 */
export const SEARCH_STOPPED = "search-stopped";
