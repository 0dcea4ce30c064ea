export * from "./labs";
export * from "./users";
export * from "./invites";
export * from "./audit";
