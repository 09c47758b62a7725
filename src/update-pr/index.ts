/** The update bot's public API: the PR body renderer, the GitHub client and the bot itself. */
export {
  renderPrBody,
  summaryLine,
  isSecuritySuite,
  hasSecurityChange,
  GITHUB_BODY_LIMIT,
  FOLD_ROWS,
  TRACKER_URL,
  BODY_MARKER,
  type BodyOptions,
} from './body.js';
export {
  createGitHubClient,
  DEFAULT_GITHUB_POLICY,
  FAST_GITHUB_POLICY,
  type GitHubClientOptions,
  type GitHubPolicy,
} from './client.js';
export { gitBlobSha, type FileContent, type RepoRef } from './github.js';
export {
  runUpdateBot,
  DEFAULT_BRANCH,
  DEFAULT_TITLE,
  type BotAction,
  type UpdateBotOptions,
  type UpdateBotResult,
} from './bot.js';
