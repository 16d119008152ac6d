// Well-formed XML (with namespaces), fed in chunks so a large part never sits in memory whole. saxes
// is a strict, non-validating parser that expands no custom entities; a DOCTYPE is refused outright,
// as Office Open XML parts never carry one.
import { SaxesParser, type SaxesTagNS } from "saxes";
import { problem, type CheckResult } from "./bytes.ts";

export interface XmlElement {
  local: string;
  uri: string;
  /** 0 for the root element. */
  depth: number;
  attribute(name: string): string | undefined;
}

export interface XmlReader {
  write(bytes: Uint8Array): void;
  /** Ends the document: the first problem met, if any. */
  close(): CheckResult;
}

export function xmlReader(part: string, onElement: (element: XmlElement) => void): XmlReader {
  const parser = new SaxesParser({ xmlns: true });
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let failure: CheckResult;
  let depth = 0;
  const fail = (message: string) => (failure ??= problem("invalid-xml", `the part ${JSON.stringify(part)} is not well-formed XML: ${message}`));
  parser.on("error", (error) => fail(error.message));
  parser.on("doctype", () => fail("it has a DOCTYPE declaration"));
  parser.on("opentag", (tag: SaxesTagNS) => {
    onElement({ local: tag.local, uri: tag.uri, depth, attribute: (name) => tag.attributes[name]?.value });
    if (!tag.isSelfClosing) depth++;
  });
  parser.on("closetag", (tag: SaxesTagNS) => {
    if (!tag.isSelfClosing) depth--;
  });
  const feed = (text: string) => {
    if (failure || text === "") return;
    try {
      parser.write(text);
    } catch (error) {
      fail((error as Error).message);
    }
  };
  return {
    write(bytes) {
      if (failure) return;
      try {
        feed(decoder.decode(bytes, { stream: true }));
      } catch {
        fail("its bytes are not UTF-8");
      }
    },
    close() {
      try {
        feed(decoder.decode());
        if (!failure) parser.close();
      } catch (error) {
        fail((error as Error).message);
      }
      return failure;
    },
  };
}
