/** Texts only the Slack adapter shows (adapters/slack/): `slack.<what>`. Empty until that area is migrated. */
export const slack = {} as const;
