/** Texts only the Discord adapter shows (adapters/discord/): `discord.<what>`. Empty until that area is migrated. */
export const discord = {} as const;
