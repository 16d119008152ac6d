// Documents read from IPFS through the SDK's client (verified against their CID): Datanet
// metadata and model manifests.
import { parseManifest, type DatasetManifest } from "@openledger/sdk";
import { useQuery } from "@tanstack/react-query";
import { parseDatanetMetadata, type DatanetMetadata } from "@openledger/sdk";
import { keys } from "./keys.ts";
import { useProtocol } from "./protocol.tsx";

export function useDatanetMetadata(cid: string | undefined) {
  const { ipfs } = useProtocol();
  return useQuery<DatanetMetadata>({
    queryKey: keys.ipfs("metadata", cid),
    queryFn: async ({ signal }) => parseDatanetMetadata(await ipfs.get(cid!, { maxBytes: 64 * 1024, signal })),
    enabled: !!cid,
    staleTime: Infinity,
    retry: 1,
  });
}

export function useManifest(cid: string | undefined) {
  const { ipfs } = useProtocol();
  return useQuery<DatasetManifest>({
    queryKey: keys.ipfs("manifest", cid),
    queryFn: async ({ signal }) => parseManifest(await ipfs.get(cid!, { maxBytes: 8 * 1024 * 1024, signal })),
    enabled: !!cid,
    staleTime: Infinity,
    retry: 1,
  });
}
