// The indexer's rows as its GraphQL API answers them, derived from `ponder.schema.ts` so that no
// client restates a column: GraphQL's BigInt is a decimal string, every other column keeps its type
// (hex as `0x…` strings, enums as their names). Clients pick the fields they query:
// `Pick<DatanetRecord, "id" | "pool">`. Types only; importing this file loads nothing.
import type * as schema from "../../ponder.schema.ts";

type Wire<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] extends bigint | null ? string | null : T[K] };

export type DatanetRecord = Wire<typeof schema.datanet.$inferSelect>;
export type ContributionRecord = Wire<typeof schema.contribution.$inferSelect>;
export type SubmissionRecord = Wire<typeof schema.submission.$inferSelect>;
export type ModelRecord = Wire<typeof schema.model.$inferSelect>;
export type ManifestLeafRecord = Wire<typeof schema.manifestLeaf.$inferSelect>;
export type ContributorRecord = Wire<typeof schema.contributor.$inferSelect>;
export type DatanetContributorRecord = Wire<typeof schema.datanetContributor.$inferSelect>;
export type ValidatorRecord = Wire<typeof schema.validator.$inferSelect>;
export type CommitmentRecord = Wire<typeof schema.commitment.$inferSelect>;
export type VoteRecord = Wire<typeof schema.vote.$inferSelect>;
/** A contribution's status as the API names it: "Pending", "Accepted", "Rejected", "Expired". */
export type ContributionStatusName = ContributionRecord["status"];
/** Whether the indexer verified a model's dataset manifest: "Unchecked", "Unavailable", "Valid", "Flagged". */
export type ManifestStatusName = ModelRecord["manifestStatus"];
