// Files a person dropped or picked, folders included (walked recursively), as `File`s: the SDK's
// checks read them through `blobSource`, by slices, and never read one over the size cap.

export interface PickedFile {
  /** The path inside a dropped folder, or the file's name. */
  name: string;
  size: number;
  file: File;
}

interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath: string;
  file?(ok: (f: File) => void, fail: (e: unknown) => void): void;
  createReader?(): { readEntries(ok: (entries: Entry[]) => void, fail: (e: unknown) => void): void };
}

async function walk(entry: Entry, out: PickedFile[]): Promise<void> {
  if (entry.isFile && entry.file) {
    const file = await new Promise<File>((resolve, reject) => entry.file!(resolve, reject));
    out.push({ name: entry.fullPath.replace(/^\//, "") || file.name, size: file.size, file });
    return;
  }
  if (entry.isDirectory && entry.createReader) {
    const reader = entry.createReader();
    // readEntries answers in batches until it answers an empty one.
    for (;;) {
      const batch = await new Promise<Entry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, out);
    }
  }
}

/** Every file in a drop, folders walked. */
export async function filesOfDrop(data: DataTransfer): Promise<PickedFile[]> {
  const out: PickedFile[] = [];
  const entries = [...data.items]
    .filter((item) => item.kind === "file")
    .map((item) => (item as DataTransferItem & { webkitGetAsEntry?(): Entry | null }).webkitGetAsEntry?.() ?? null);
  if (entries.length > 0 && entries.every((e) => e !== null)) {
    for (const entry of entries) await walk(entry!, out);
    return out;
  }
  return [...data.files].map((file) => ({ name: file.name, size: file.size, file }));
}

/** Files from an <input type="file"> (with `webkitdirectory`, their relative paths). */
export function filesOfInput(list: FileList | null): PickedFile[] {
  return [...(list ?? [])].map((file) => ({ name: (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name, size: file.size, file }));
}
