#!/usr/bin/env bash
# Makes the sample files that need real encoders: JPEG and WebP pictures of generated gradients,
# MP3 and FLAC of generated tones. Everything here is generated, so the files are the project's
# own (MIT). Needs Debian's imagemagick, webp, lame and flac:
#   apt-get install -y imagemagick webp lame flac
# The other formats are written from code by sdk/src/samples.ts.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node=../../node_modules/.bin/node
for i in 1 2 3; do
  /usr/bin/convert -size 24x24 "gradient:hsl($((i * 90)),80%,50%)-hsl($((i * 90 + 120)),80%,30%)" -quality 80 "sample-$i.jpg"
  /usr/bin/convert -size 24x24 "gradient:hsl($((i * 90 + 45)),70%,60%)-hsl($((i * 90 + 200)),60%,30%)" "$tmp/p$i.png"
  cwebp -quiet -q 70 "$tmp/p$i.png" -o "sample-$i.webp"
  "$node" -e "
    import('../src/samples.ts').then(({ wav }) => require('node:fs').writeFileSync('$tmp/t$i.wav', wav($i, 0.3, 16000)));
  "
  lame --quiet -b 32 "$tmp/t$i.wav" "sample-$i.mp3"
  flac --silent --best -o "sample-$i.flac" "$tmp/t$i.wav"
done
ls -l sample-*
