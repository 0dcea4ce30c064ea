export * from "./labs";
export * from "./users";
export * from "./invites";
export * from "./audit";
export * from "./credentialing";
export * from "./mimic";
export * from "./downloads";
export * from "./retention";
