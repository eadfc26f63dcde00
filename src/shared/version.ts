/** The version of deploy-ts, printed by `deploy --version`. */
export const VERSION = "0.1.0";
