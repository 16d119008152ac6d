// The browser's vote secrets: every commit's votes and salt, kept in IndexedDB in the SDK's vote file
// format (the CLI keeps the same records as files), so a file exported here is revealed by
// `openledger validator reveal` and a CLI file imported here is revealed in the page. The rules
// (written before the commit is sent, never deleted, an import never replaces a salt) are the SDK's
// `VoteStore` rules; this is only where the records live.
import { voteStoreOf, type StoredVotes, type VoteStore } from "@openledger/sdk";
import { openDB, type DBSchema, type IDBPDatabase } from "idb";

export { mergeImported, parseVoteFile, voteFileName, voteFileText, VoteFileError, type StoredVotes, type VoteStore } from "@openledger/sdk";

interface VotesDb extends DBSchema {
  votes: { key: string; value: StoredVotes & { key: string } };
}

export const VOTES_DB = "openledger-votes";

function keyOf(v: { chainId: number; commitment: string }): string {
  return `${v.chainId}:${v.commitment.toLowerCase()}`;
}

function strip(v: StoredVotes & { key?: string }): StoredVotes {
  const { key: _key, ...plain } = v;
  return plain;
}

export function createIndexedDbVoteStore(name = VOTES_DB): VoteStore {
  let db: Promise<IDBPDatabase<VotesDb>> | undefined;
  const open = () =>
    (db ??= openDB<VotesDb>(name, 1, {
      upgrade(database) {
        database.createObjectStore("votes", { keyPath: "key" });
      },
    }));
  return voteStoreOf({
    location: "this browser",
    async read(chainId, commitment) {
      const found = await (await open()).get("votes", keyOf({ chainId, commitment }));
      return found ? strip(found) : undefined;
    },
    list: async () => (await (await open()).getAll("votes")).map(strip),
    async write(votes) {
      const tx = (await open()).transaction("votes", "readwrite");
      await tx.store.put({ ...votes, key: keyOf(votes) });
      // Resolves only once the transaction is durable: the commit may be sent after this.
      await tx.done;
    },
  });
}
