// DOCX: a ZIP (read and limited by zip.ts) holding a content-types part, package relationships that
// name the main document part, and that part: WordprocessingML whose root document has a body. The
// three parts are unpacked in bounded chunks and parsed as they stream.
import { problem, type CheckResult } from "./bytes.ts";
import { xmlReader, type XmlElement } from "./xml.ts";
import { readZip, unpackEntry, type ZipEntry } from "./zip.ts";

const CONTENT_TYPES = "[Content_Types].xml";
const PACKAGE_RELATIONSHIPS = "_rels/.rels";
/** The relationship type of the main part, in the transitional and the strict vocabularies. */
const OFFICE_DOCUMENT = /\/(officeDocument\/2006\/relationships|officeDocument\/relationships)\/officeDocument$/;

/** Unpacks a part and parses it as XML, handing each element to `onElement`. */
function parsePart(b: Uint8Array, entry: ZipEntry, onElement: (e: XmlElement) => void): CheckResult {
  const reader = xmlReader(entry.name, onElement);
  const unpacked = unpackEntry(b, entry, (chunk) => reader.write(chunk));
  return unpacked ?? reader.close();
}

function findPart(entries: Map<string, ZipEntry>, name: string): ZipEntry | undefined {
  const exact = entries.get(name);
  if (exact) return exact;
  // Part names compare without regard to case (Open Packaging Conventions).
  const lower = name.toLowerCase();
  for (const [key, entry] of entries) if (key.toLowerCase() === lower) return entry;
  return undefined;
}

/** The package-relative name of the main document part, from the package relationships. */
function mainPartName(b: Uint8Array, rels: ZipEntry): string | CheckResult {
  let target: string | undefined;
  let root = "";
  const bad = parsePart(b, rels, (e) => {
    if (e.depth === 0) root = e.local;
    if (e.depth === 1 && e.local === "Relationship" && OFFICE_DOCUMENT.test(e.attribute("Type") ?? "") && e.attribute("TargetMode") !== "External") {
      target ??= e.attribute("Target");
    }
  });
  if (bad) return bad;
  if (root !== "Relationships") return problem("invalid-structure", `the part ${PACKAGE_RELATIONSHIPS} has the root element <${root}>, not <Relationships>`);
  if (target === undefined) return problem("missing-part", `the package relationships (${PACKAGE_RELATIONSHIPS}) name no main document part (officeDocument)`);
  const segments = target.replace(/^\//, "").split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..") || segments.length === 0) return problem("unsafe-entry-name", `the main document target ${JSON.stringify(target)} does not name a part inside the package`);
  return segments.join("/");
}

export function checkDocx(b: Uint8Array): CheckResult {
  const read = readZip(b);
  if (!Array.isArray(read)) return read;
  const entries = new Map(read.map((e) => [e.name, e]));
  const types = findPart(entries, CONTENT_TYPES);
  if (!types) return problem("missing-part", `the ZIP holds no ${CONTENT_TYPES}, so it is not an Office document`);
  let typesRoot = "";
  const typesBad = parsePart(b, types, (e) => {
    if (e.depth === 0) typesRoot = e.local;
  });
  if (typesBad) return typesBad;
  if (typesRoot !== "Types") return problem("invalid-structure", `the part ${CONTENT_TYPES} has the root element <${typesRoot}>, not <Types>`);
  const rels = findPart(entries, PACKAGE_RELATIONSHIPS);
  if (!rels) return problem("missing-part", `the ZIP holds no package relationships (${PACKAGE_RELATIONSHIPS})`);
  const mainName = mainPartName(b, rels);
  if (typeof mainName !== "string") return mainName;
  const main = findPart(entries, mainName);
  if (!main) return problem("missing-part", `the main document part ${JSON.stringify(mainName)} named by ${PACKAGE_RELATIONSHIPS} is not in the ZIP`);
  let root = "";
  let body = false;
  const mainBad = parsePart(b, main, (e) => {
    if (e.depth === 0) root = e.local;
    if (e.depth === 1 && e.local === "body") body = true;
  });
  if (mainBad) return mainBad;
  if (root !== "document") return problem("format-mismatch", `the main part ${JSON.stringify(mainName)} has the root element <${root}>, not a Word <document>: the file is not a .docx`);
  if (!body) return problem("invalid-structure", `the Word document ${JSON.stringify(mainName)} has no <body>`);
  return undefined;
}
