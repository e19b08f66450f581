#!/usr/bin/env bash
# make-media.sh - (re)generate the RadioServer sample media library.
#
# Synthesises five short, fictional "songs" with SoX (no samples, no
# downloads), encodes them in a few different formats and tags them
# (ID3v2 for MP3, RIFF LIST/INFO for WAV). Output goes into the directory
# this script lives in, whatever the current directory is.
#
#   Usage:    bash media/make-media.sh
#   Requires: apt-get install sox espeak-ng lame ffmpeg
#
# The output is deterministic: SoX runs in repeatable mode (-R) so the
# pluck/noise generators and dither use fixed seeds, and ffmpeg runs with
# +bitexact. Re-running with the same tool versions gives identical files.
set -euo pipefail
export LC_ALL=C

OUT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

for tool in sox soxi espeak-ng lame ffmpeg awk; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "make-media.sh: '$tool' not found (apt-get install sox espeak-ng lame ffmpeg)" >&2
    exit 1
  }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/radioserver-media.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

SR=44100                                   # internal sample rate
SOX=(sox -R -V1)                           # -R = repeatable (fixed seeds)
FLT=(-r "$SR" -c 1 -e floating-point -b 32) # intermediate stem format
ALBUM="RadioServer Samples"
YEAR=2024
GENRE="Electronic"
TOTAL_TRACKS=5

calc() { awk "BEGIN { printf \"%.6f\", $* }"; }

# rep N "events..."  -> prints the events N times
rep() {
  local i out=""
  for ((i = 0; i < $1; i++)); do out+="$2 "; done
  printf '%s' "$out"
}

# render OUT INSTRUMENT BEAT_SECONDS "EVENTS"
#   EVENTS is a space separated list of NOTE[+NOTE...]:BEATS, where NOTE is a
#   scientific note name understood by sox (C4, F#3, Bb2 ...) or "r" for a
#   rest. For the "drums" instrument NOTE is k (kick), s (snare) or h (hat).
#   Every note is synthesised separately and the pieces are concatenated into
#   one mono stem, normalised to -1 dBFS.
render() {
  local out=$1 instr=$2 beat=$3 events=$4
  local -a evs parts notes synth env
  local ev note beats dur hit i=0 seg n
  read -ra evs <<<"${events//$'\n'/ }"
  for ev in "${evs[@]}"; do
    note=${ev%%:*}
    beats=${ev##*:}
    dur=$(calc "$beats * $beat")
    seg="$WORK/seg-$(basename "$out" .wav)-$(printf %04d "$i").wav"
    i=$((i + 1))
    if [[ $note == r ]]; then
      "${SOX[@]}" -n "${FLT[@]}" "$seg" trim 0 "$dur"
    elif [[ $instr == drums ]]; then
      case $note in
        k) hit=0.30; synth=(synth "$hit" sine 130/42 fade q 0.002 "$hit" 0.26 gain -2) ;;
        s) hit=0.20; synth=(synth "$hit" whitenoise highpass 1200 lowpass 7000 fade p 0.001 "$hit" 0.19 gain -7) ;;
        h) hit=0.06; synth=(synth "$hit" whitenoise highpass 7000 fade p 0.001 "$hit" 0.055 gain -12) ;;
        *) echo "unknown drum '$note'" >&2; exit 1 ;;
      esac
      if awk "BEGIN { exit !($dur > $hit) }"; then
        "${SOX[@]}" -n "${FLT[@]}" "$seg" "${synth[@]}" pad 0 "$(calc "$dur - $hit")"
      else
        "${SOX[@]}" -n "${FLT[@]}" "$seg" "${synth[@]}" trim 0 "$dur"
      fi
    else
      IFS=+ read -ra notes <<<"$note"
      local wave
      case $instr in
        pluck) wave=pluck;    env=(fade t 0.003 "$dur" 0.03) ;;
        bell)  wave=sine;     env=(fade p 0.004 "$dur" "$(calc "$dur * 0.96")") ;;
        pad)   wave=sine;     env=(fade h 0.12 "$dur" 0.12) ;;
        tri)   wave=triangle; env=(fade t 0.02 "$dur" 0.07) ;;
        saw)   wave=sawtooth; env=(fade t 0.01 "$dur" 0.06) ;;
        bass)  wave=triangle; env=(fade t 0.01 "$dur" 0.06) ;;
        *) echo "unknown instrument '$instr'" >&2; exit 1 ;;
      esac
      synth=(synth "$dur")
      for n in "${notes[@]}"; do synth+=("$wave" "$n"); done
      # one channel per chord note, then mix them down to mono
      "${SOX[@]}" -r "$SR" -c "${#notes[@]}" -n "${FLT[@]}" "$seg" \
        "${synth[@]}" remix - "${env[@]}"
    fi
    parts+=("$seg")
  done
  "${SOX[@]}" "${parts[@]}" "$out" gain -n -1
  rm -f "${parts[@]}"
}

# fx STEM effects...  -> apply sox effects to a stem in place
fx() {
  local stem=$1
  shift
  "${SOX[@]}" "$stem" "$WORK/fx.wav" "$@"
  mv "$WORK/fx.wav" "$stem"
}

# mixdown OUT "REVERB_ARGS|none" STEM:VOLUME:PAN ...
#   Mixes mono stems into a stereo float file (pan -1 = left, +1 = right),
#   adds a little reverb, trims to the longest stem and fades in/out.
mixdown() {
  local out=$1 reverb=$2
  shift 2
  local -a files=() lspec=() rspec=()
  local spec f vol pan len max=0 idx=0
  for spec in "$@"; do
    IFS=: read -r f vol pan <<<"$spec"
    idx=$((idx + 1))
    files+=("$f")
    lspec+=("${idx}v$(calc "$vol * (1 - $pan) / 2")")
    rspec+=("${idx}v$(calc "$vol * (1 + $pan) / 2")")
    len=$(soxi -D "$f")
    max=$(awk "BEGIN { print ($len > $max) ? $len : $max }")
  done
  local IFS=,
  local left="${lspec[*]}" right="${rspec[*]}"
  unset IFS
  local -a revfx=()
  [[ $reverb != none ]] && read -ra revfx <<<"reverb $reverb"
  if ((${#files[@]} == 1)); then
    "${SOX[@]}" "${files[0]}" -e floating-point -b 32 "$out" \
      remix "$left" "$right" "${revfx[@]}" trim 0 "$max" fade t 0.02 -0 0.4
  else
    "${SOX[@]}" -M "${files[@]}" -e floating-point -b 32 "$out" \
      remix "$left" "$right" "${revfx[@]}" trim 0 "$max" fade t 0.02 -0 0.4
  fi
}

# master MIX OUT.wav RATE CHANNELS -> 16-bit PCM, peak normalised to -3 dBFS
master() {
  local mix=$1 out=$2 rate=$3 ch=$4
  local -a down=()
  ((ch == 1)) && down=(remix -)
  "${SOX[@]}" "$mix" -b 16 -e signed-integer "$out" "${down[@]}" rate -v "$rate" gain -n -3
}

# cover OUT.jpg LAVFI_SOURCE -> a 500 x 500 JPEG front cover drawn by one of ffmpeg's
#   generators (no pictures from outside), bit-exact so reruns give the same bytes.
cover() {
  ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "$2" \
    -frames:v 1 -q:v 4 -fflags +bitexact -flags +bitexact "$1"
}

# encode_mp3 MASTER.wav DEST BITRATE_KBPS TRACKNO TITLE ARTIST COVER_SOURCE
#   COVER_SOURCE: an ffmpeg lavfi generator (see cover); the picture goes into
#   the ID3v2 tag as its front cover (APIC), as a tagger would put it.
encode_mp3() {
  local src=$1 dest=$2 kbps=$3 no=$4 title=$5 artist=$6 art=$7
  local mode=j
  [[ $(soxi -c "$src") == 1 ]] && mode=m
  cover "$WORK/cover.jpg" "$art"
  lame --quiet --cbr -b "$kbps" -m "$mode" -q 2 \
    --add-id3v2 --id3v2-latin1 --ti "$WORK/cover.jpg" \
    --tt "$title" --ta "$artist" --tl "$ALBUM" --ty "$YEAR" \
    --tn "$no/$TOTAL_TRACKS" --tg "$GENRE" \
    --tc "Synthesised by make-media.sh" \
    "$src" "$WORK/out.mp3"
  mv "$WORK/out.mp3" "$dest"
}

# encode_wav MASTER.wav DEST TRACKNO TITLE ARTIST  (PCM16 + RIFF LIST/INFO)
encode_wav() {
  local src=$1 dest=$2 no=$3 title=$4 artist=$5
  ffmpeg -nostdin -hide_banner -loglevel error -y -i "$src" \
    -map_metadata -1 -c:a pcm_s16le -fflags +bitexact -flags:a +bitexact \
    -metadata title="$title" -metadata artist="$artist" \
    -metadata album="$ALBUM" -metadata date="$YEAR" \
    -metadata track="$no" -metadata genre="$GENRE" \
    -metadata comment="Synthesised by make-media.sh" \
    "$WORK/out.wav"
  mv "$WORK/out.wav" "$dest"
}

say() { printf '  %s\n' "$*"; }

# ---------------------------------------------------------------------------
# 01 The Test Tones - Morning Sine
#    C major, 100 bpm, bell arpeggios, spoken station ident over the intro.
#    MP3 CBR 128 kbps, 44.1 kHz, stereo.
# ---------------------------------------------------------------------------
track1() {
  local t=$WORK/t1 beat=0.6
  local title="Morning Sine" artist="The Test Tones"
  say "01 $artist - $title"
  local C="C4:.5 E4:.5 G4:.5 C5:.5 E5:.5 C5:.5 G4:.5 E4:.5"
  local Am="A3:.5 C4:.5 E4:.5 A4:.5 C5:.5 A4:.5 E4:.5 C4:.5"
  local F="A3:.5 C4:.5 F4:.5 A4:.5 C5:.5 A4:.5 F4:.5 C4:.5"
  local G="B3:.5 D4:.5 G4:.5 B4:.5 D5:.5 B4:.5 G4:.5 D4:.5"
  local melody="E5:1.5 D5:.5 C5:2 G4:2 C5:2 A4:1.5 B4:.5 C5:2 E5:3 r:1
                F5:1.5 E5:.5 C5:2 A4:2 C5:2 B4:1.5 C5:.5 D5:2 G5:3 r:1"
  render "$t-pad.wav" pad "$beat" \
    "C3+G3+E4:5 $(rep 2 "C3+G3+E4:8 A2+E3+C4:8 F2+C3+A3:8 G2+D3+B3:8") C3+G3+E4:4"
  render "$t-arp.wav" bell "$beat" \
    "r:5 $(rep 2 "$C $C $Am $Am $F $F $G $G") C4+E4+G4+C5:4"
  render "$t-bass.wav" pluck "$beat" \
    "r:5 $(rep 2 "C3:2 G2:2 C3:2 G2:2 A2:2 E2:2 A2:2 E2:2 F2:2 C3:2 F2:2 C3:2 G2:2 D3:2 G2:2 D3:2") C3:4"
  render "$t-lead.wav" tri "$beat" "r:5 r:32 ${melody//$'\n'/ } C5:4"
  fx "$t-lead.wav" lowpass 3500 tremolo 5 15
  # station ident: espeak-ng -> 44.1 kHz, starts 0.4 s into the track
  espeak-ng -v en-us -s 145 -p 45 -w "$t-ident-raw.wav" "You are listening to Radio Server."
  "${SOX[@]}" "$t-ident-raw.wav" "${FLT[@]}" "$t-ident.wav" \
    silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse \
    highpass 120 gain -n -1 pad 0.4
  mixdown "$t-mix.wav" "30 50 60" \
    "$t-pad.wav:0.30:-0.2" "$t-arp.wav:0.45:0.45" "$t-bass.wav:0.50:0" \
    "$t-lead.wav:0.40:-0.4" "$t-ident.wav:0.95:0"
  master "$t-mix.wav" "$t-master.wav" 44100 2
  encode_mp3 "$t-master.wav" "$OUT_DIR/01 $artist - $title.mp3" 128 1 "$title" "$artist" \
    "gradients=s=500x500:c0=0xff8a00:c1=0xffd23f:c2=0xff4e50:nb_colors=3:seed=1:type=radial"
}

# ---------------------------------------------------------------------------
# 02 Pluck Theory - Harbour Lights
#    A minor, ~94 bpm, plucked melody and bass over a soft pad.
#    MP3 CBR 64 kbps, 22.05 kHz, mono.
# ---------------------------------------------------------------------------
track2() {
  local t=$WORK/t2 beat=0.64
  local title="Harbour Lights" artist="Pluck Theory"
  say "02 $artist - $title"
  local A="A4:.5 C5:.5 E5:1 D5:.5 C5:.5 B4:1  A4:.5 C5:.5 F5:1 E5:.5 D5:.5 C5:1
           G4:.5 C5:.5 E5:1 G5:1 E5:1         D5:.5 E5:.5 D5:.5 B4:.5 G4:2"
  local B="E5:1 A5:1 G5:.5 E5:.5 C5:1  F5:1 A5:1 G5:.5 F5:.5 E5:1
           E5:.5 D5:.5 C5:1 G4:1 C5:1  B4:1 D5:1 G5:2"
  render "$t-lead.wav" pluck "$beat" "${A//$'\n'/ } ${B//$'\n'/ } ${A//$'\n'/ } A4+C5+E5:3"
  render "$t-bass.wav" pluck "$beat" \
    "$(rep 3 "A2:2 E3:1 A2:1 F2:2 C3:1 F2:1 C3:2 G2:1 C3:1 G2:2 D3:1 G2:1") A2:3"
  render "$t-pad.wav" tri "$beat" \
    "$(rep 3 "A3+C4+E4:4 F3+A3+C4:4 G3+C4+E4:4 G3+B3+D4:4") A3+C4+E4:3"
  fx "$t-pad.wav" lowpass 1200 gain -n -1
  fx "$t-lead.wav" echo 0.8 0.7 320 0.22 trim 0 "$(calc "51 * $beat")" gain -n -1
  mixdown "$t-mix.wav" "20 50 50" \
    "$t-lead.wav:0.60:0" "$t-bass.wav:0.45:0" "$t-pad.wav:0.30:0"
  master "$t-mix.wav" "$t-master.wav" 22050 1
  encode_mp3 "$t-master.wav" "$OUT_DIR/02 $artist - $title.mp3" 64 2 "$title" "$artist" \
    "mandelbrot=s=500x500:start_x=-0.75:start_y=0.1:start_scale=1.5"
}

# ---------------------------------------------------------------------------
# 03 Sawtooth Society - Paper Lanterns
#    D major, 120 bpm, filtered sawtooth lead, octave bass, light drums.
#    WAV, 16-bit PCM, 22.05 kHz, mono, RIFF LIST/INFO tags.
# ---------------------------------------------------------------------------
track3() {
  local t=$WORK/t3 beat=0.5
  local title="Paper Lanterns" artist="Sawtooth Society"
  say "03 $artist - $title"
  local lead="F#4:1 A4:1 D5:1.5 C#5:.5  B4:1 D5:1 F#5:2  G5:1 F#5:.5 E5:.5 D5:1 B4:1  C#5:1 E5:1 A4:2
              F#5:1 E5:.5 D5:.5 A4:2  B4:.5 C#5:.5 D5:1 F#5:2  E5:1 D5:1 B4:1 G4:1  A4:1 C#5:1 E5:2
              G5:1 F#5:1 E5:1 B4:1  C#5:1 D5:1 E5:2  D5:4"
  render "$t-lead.wav" saw "$beat" "${lead//$'\n'/ }"
  fx "$t-lead.wav" lowpass 2200 lowpass 3000 gain -n -1
  local pump=""
  for r in D B G A D B G A E A; do pump+="$(rep 4 "${r}2:.5 ${r}3:.5") "; done
  pump=${pump//B2:/B1:}; pump=${pump//B3:/B2:}
  render "$t-bass.wav" bass "$beat" "$pump D2+D3:4"
  fx "$t-bass.wav" lowpass 900 gain -n -1
  render "$t-pad.wav" pad "$beat" \
    "$(rep 2 "F#3+A3+D4:4 F#3+B3+D4:4 G3+B3+D4:4 E3+A3+C#4:4") E3+G3+B3:4 E3+A3+C#4:4 F#3+A3+D4:4"
  render "$t-drums.wav" drums "$beat" "$(rep 10 "k:1 h:.5 h:.5 s:1 h:.5 h:.5") k:4"
  mixdown "$t-mix.wav" "15 50 40" \
    "$t-lead.wav:0.50:0" "$t-bass.wav:0.45:0" "$t-pad.wav:0.30:0" "$t-drums.wav:0.35:0"
  master "$t-mix.wav" "$t-master.wav" 22050 1
  encode_wav "$t-master.wav" "$OUT_DIR/03 $artist - $title.wav" 3 "$title" "$artist"
}

# ---------------------------------------------------------------------------
# 04 Quiet Oscillator - Evening Waltz
#    F major, 3/4 at ~133 bpm: oom-pah-pah accompaniment, triangle melody.
#    MP3 CBR 192 kbps, 44.1 kHz, stereo.
# ---------------------------------------------------------------------------
track4() {
  local t=$WORK/t4 beat=0.45
  local title="Evening Waltz" artist="Quiet Oscillator"
  say "04 $artist - $title"
  local melody="A4:2 C5:1 F5:3 E5:2 D5:1 C5:2 Bb4:1 G4:2 A4:1 Bb4:2 G4:1 A4:3 F4:3
                D5:2 F5:1 Bb5:3 A5:2 G5:1 F5:3 E5:2 F5:1 G5:2 E5:1 F5:3 C5:3
                D5:2 F5:1 A5:3 G5:2 F5:1 D5:3 C5:2 F5:1 E5:2 G5:1 F5:6"
  local bars="F F C C7 C C7 F F  Bb Bb F F C C7 F F  Dm Dm Bb Bb F C7"
  local bass="" chords="" b v r
  for b in $bars; do
    case $b in
      F)  v=A3+C4+F4;      r=F2 ;;
      C)  v=G3+C4+E4;      r=C3 ;;
      C7) v=G3+Bb3+C4+E4;  r=C3 ;;
      Bb) v=Bb3+D4+F4;     r=Bb2 ;;
      Dm) v=A3+D4+F4;      r=D3 ;;
    esac
    bass+="$r:3 "
    chords+="r:1 $v:1 $v:1 "
  done
  render "$t-lead.wav" tri "$beat" "${melody//$'\n'/ }"
  fx "$t-lead.wav" lowpass 3000 tremolo 5.5 18 gain -n -1
  render "$t-bass.wav" pluck "$beat" "$bass F2:6"
  render "$t-chords.wav" bell "$beat" "$chords r:1 A3+C4+F4:5"
  mixdown "$t-mix.wav" "40 50 70" \
    "$t-lead.wav:0.50:-0.35" "$t-chords.wav:0.40:0.4" "$t-bass.wav:0.50:0"
  master "$t-mix.wav" "$t-master.wav" 44100 2
  encode_mp3 "$t-master.wav" "$OUT_DIR/04 $artist - $title.mp3" 192 4 "$title" "$artist" \
    "gradients=s=500x500:c0=0x2b1055:c1=0x7597de:nb_colors=2:seed=4:type=circular"
}

# ---------------------------------------------------------------------------
# 05 Lo-Fi Lighthouse - Last Train Home
#    E minor, 80 bpm, plucked arpeggios, chorused pad, soft beat.
#    MP3 CBR 160 kbps, 48 kHz, stereo.
# ---------------------------------------------------------------------------
track5() {
  local t=$WORK/t5 beat=0.75
  local title="Last Train Home" artist="Lo-Fi Lighthouse"
  say "05 $artist - $title"
  local arp="E3:.5 B3:.5 D4:.5 G4:.5 B4:.5 G4:.5 D4:.5 B3:.5
             C3:.5 G3:.5 B3:.5 E4:.5 G4:.5 E4:.5 B3:.5 G3:.5
             G2:.5 D3:.5 G3:.5 B3:.5 D4:.5 B3:.5 G3:.5 D3:.5
             D3:.5 A3:.5 D4:.5 F#4:.5 A4:.5 F#4:.5 D4:.5 A3:.5"
  render "$t-arp.wav" pluck "$beat" "$(rep 3 "${arp//$'\n'/ }") E3+B3+E4+G4:4"
  render "$t-pad.wav" pad "$beat" \
    "$(rep 3 "E3+G3+B3+D4:4 C3+E3+G3+B3:4 G2+D3+G3+B3:4 D3+F#3+A3+E4:4") E3+G3+B3+E4:4"
  fx "$t-pad.wav" chorus 0.7 0.9 55 0.4 0.25 2 -t gain -n -1
  render "$t-bass.wav" bass "$beat" "$(rep 3 "E2:4 C2:4 G2:4 D2:4") E2:4"
  render "$t-drums.wav" drums "$beat" "r:16 $(rep 8 "k:1 h:.5 h:.5 s:1 h:.5 h:.5") k:4"
  render "$t-lead.wav" tri "$beat" "r:32 B4:2 A4:1 G4:1 E4:3 G4:1 D4:2 B3:1 D4:1 F#4:4 E4:4"
  fx "$t-lead.wav" lowpass 2500 tremolo 4 12 gain -n -1
  mixdown "$t-mix.wav" "35 50 60" \
    "$t-arp.wav:0.45:0.35" "$t-pad.wav:0.35:-0.3" "$t-bass.wav:0.40:0" \
    "$t-drums.wav:0.35:0" "$t-lead.wav:0.40:-0.15"
  fx "$t-mix.wav" lowpass 6000
  master "$t-mix.wav" "$t-master.wav" 48000 2
  encode_mp3 "$t-master.wav" "$OUT_DIR/05 $artist - $title.mp3" 160 5 "$title" "$artist" \
    "gradients=s=500x500:c0=0x0f2027:c1=0x2c5364:c2=0xf7b733:nb_colors=3:seed=5:type=spiral"
}

echo "Generating sample media in $OUT_DIR"
track1
track2
track3
track4
track5
echo "Done:"
(cd "$OUT_DIR" && ls -l -- [0-9][0-9]\ *.mp3 [0-9][0-9]\ *.wav && du -cb -- [0-9][0-9]\ *.mp3 [0-9][0-9]\ *.wav | tail -n 1)
