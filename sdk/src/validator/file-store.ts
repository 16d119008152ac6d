// Vote secrets on disk: `<dir>/<chainId>/<commitment>.json`, one vote file per commit (the format of
// `./votes.ts`). Each write goes to a temporary file that is flushed to disk and renamed over the
// old one, and the folder is flushed too, so a crash leaves the old record or the new one, never
// half of one. Folders are 0700 and files 0600: the salt is a secret until it is revealed.
import { existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename } from "node:fs/promises";
import path from "node:path";
import { parseVoteFile, voteFileName, voteFileText, voteStoreOf, type StoredVotes, type VoteStore } from "./votes.ts";

async function writeDurably(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, "w", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  const folder = await open(path.dirname(file), "r");
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** A vote store in a folder (the CLI keeps it at `<home>/votes`). */
export function createFileVoteStore(dir: string): VoteStore {
  const fileOf = (chainId: number, commitment: string) => path.join(dir, String(chainId), voteFileName({ commitment: commitment as StoredVotes["commitment"] }));
  const readOne = async (file: string): Promise<StoredVotes> => parseVoteFile(await readFile(file, "utf8"), file);
  return voteStoreOf({
    location: dir,
    async read(chainId, commitment) {
      const file = fileOf(chainId, commitment);
      if (existsSync(file)) return readOne(file);
      // Files written by hand or copied in may spell the key in another case.
      const folder = path.dirname(file);
      if (!existsSync(folder)) return undefined;
      const match = (await readdir(folder)).find((f) => f.toLowerCase() === path.basename(file).toLowerCase());
      return match ? readOne(path.join(folder, match)) : undefined;
    },
    async list() {
      if (!existsSync(dir)) return [];
      const out: StoredVotes[] = [];
      for (const chain of (await readdir(dir)).filter((d) => /^\d+$/.test(d))) {
        for (const f of (await readdir(path.join(dir, chain))).filter((name) => name.endsWith(".json"))) out.push(await readOne(path.join(dir, chain, f)));
      }
      return out;
    },
    async write(votes) {
      const file = fileOf(votes.chainId, votes.commitment);
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await writeDurably(file, voteFileText(votes));
    },
  });
}
