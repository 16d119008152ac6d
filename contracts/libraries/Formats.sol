// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The three modalities a Datanet can hold. Fixed at creation.
enum Modality {
    Text,
    Image,
    Audio
}

/// @notice Every file format the protocol knows, as one bit each in a Datanet's format mask.
/// @dev jpg and jpeg are the same format. Order matters: the bit of a format is `1 << uint8(format)`.
enum Format {
    Txt,
    Md,
    Pdf,
    Docx,
    Jsonl,
    Csv,
    Png,
    Jpeg,
    Webp,
    Tiff,
    Bmp,
    Wav,
    Mp3,
    Flac
}

/// @notice The codec of a content identifier (CIDv1): a single-block file is `raw` (0x55), a
/// chunked file's root is `dag-pb` (0x70). Together with the sha2-256 digest it rebuilds the CID.
enum CidCodec {
    Raw,
    DagPb
}

/// @title Formats
/// @notice The modality → format lists of the protocol, as bit masks.
library Formats {
    uint16 internal constant TEXT_FORMATS = 0x003F; // txt md pdf docx jsonl csv
    uint16 internal constant IMAGE_FORMATS = 0x07C0; // png jpeg webp tiff bmp
    uint16 internal constant AUDIO_FORMATS = 0x3800; // wav mp3 flac

    /// @notice The formats a modality may allow.
    function ofModality(Modality modality) internal pure returns (uint16) {
        if (modality == Modality.Text) return TEXT_FORMATS;
        if (modality == Modality.Image) return IMAGE_FORMATS;
        return AUDIO_FORMATS;
    }

    /// @notice The bit of one format.
    function bit(Format format) internal pure returns (uint16) {
        return uint16(1) << uint8(format);
    }
}
