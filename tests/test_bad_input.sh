#!/bin/bash
# Bad input to tools/nanobragg: every case must exit 1 or 2 (never crash,
# never hang), print exactly one line on stderr naming the cause, and leave
# no output file behind.  With NB_VALGRIND=1 every run is under valgrind
# and any memory error or definite leak fails the case.
#   test_bad_input.sh NANOBRAGG INPUTS_DIR
set -u
NB=$(realpath "$1")
INPUTS=$(realpath "$2")
fails=0
passes=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {
  if [ "${NB_VALGRIND:-0}" = 1 ]; then
    timeout 300 valgrind -q --error-exitcode=99 --leak-check=full \
      --errors-for-leak-kinds=definite "$NB" "$@"
  else
    timeout 60 "$NB" "$@"
  fi
}

# expect_error NAME PATTERN ARGS...: the run fails cleanly, says PATTERN.
expect_error() {
  local name=$1 pattern=$2
  shift 2
  local dir="$work/$name"
  mkdir -p "$dir"
  cp "$INPUTS/dense.hkl" "$INPUTS/mono.mat" "$dir/"
  printf '1 2 3\n' > "$dir/three.hkl"
  printf '1 2 x 4\n' > "$dir/letters.hkl"
  mkdir -p "$dir/adir"
  local before after status
  before=$(cd "$dir" && ls -a | sort)
  (cd "$dir" && run "$@" > stdout.log 2> stderr.log)
  status=$?
  after=$(cd "$dir" && ls -a | grep -v -e '^stdout.log$' -e '^stderr.log$' | sort)
  local lines
  lines=$(wc -l < "$dir/stderr.log")
  local problem=""
  if [ $status -eq 0 ]; then problem="exit status 0";
  elif [ $status -eq 99 ]; then problem="valgrind reported errors";
  elif [ $status -ge 124 ]; then problem="crash or hang (status $status)";
  elif [ "$lines" -ne 1 ]; then problem="stderr has $lines lines";
  elif ! grep -q -e "$pattern" "$dir/stderr.log"; then problem="stderr lacks '$pattern'";
  elif [ "$before" != "$after" ]; then problem="files were left behind: $(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')";
  fi
  if [ -n "$problem" ]; then
    echo "not ok - $name: $problem"
    sed 's/^/#   /' "$dir/stderr.log"
    fails=$((fails + 1))
  else
    echo "ok - $name: $(cat "$dir/stderr.log")"
    passes=$((passes + 1))
  fi
}

BASE=(-cell 79 79 38 90 90 90 -lambda 1 -distance 100 -detpixels 32 -pixel 0.1 -N 3 -nonoise -nopgm)

expect_error unknown-flag "-frobnicate: unknown flag" -hkl dense.hkl "${BASE[@]}" -frobnicate 3
expect_error missing-hkl "nosuch.hkl" -hkl nosuch.hkl "${BASE[@]}"
expect_error unreadable-hkl "adir" -hkl adir "${BASE[@]}"
expect_error missing-matrix "nosuch.mat" -hkl dense.hkl -mat nosuch.mat -lambda 1 -detpixels 32
expect_error hkl-three-numbers "three.hkl:1: expected 'h k l F'" -hkl three.hkl "${BASE[@]}"
expect_error hkl-not-numbers "letters.hkl:1: expected 'h k l F'" -hkl letters.hkl "${BASE[@]}"
expect_error zero-pixel "-pixel" -hkl dense.hkl "${BASE[@]}" -pixel 0
expect_error negative-pixel "-pixel" -hkl dense.hkl "${BASE[@]}" -pixel -0.1
expect_error zero-distance "-distance" -hkl dense.hkl "${BASE[@]}" -distance 0
expect_error negative-distance "-distance" -hkl dense.hkl "${BASE[@]}" -distance -50
expect_error zero-detpixels "-detpixels" -hkl dense.hkl "${BASE[@]}" -detpixels 0
expect_error negative-detpixels "-detpixels" -hkl dense.hkl "${BASE[@]}" -detpixels -5
expect_error zero-detsize "-detsize" -hkl dense.hkl -cell 79 79 38 90 90 90 -detsize 0
expect_error impossible-cell "-cell: the angles" -hkl dense.hkl "${BASE[@]}" -cell 50 50 50 20 20 120
expect_error flat-cell "-cell" -hkl dense.hkl "${BASE[@]}" -cell 50 50 50 90 90 180
expect_error empty-roi "-roi" -hkl dense.hkl "${BASE[@]}" -roi 10 5 0 31
expect_error zero-cells "-N" -hkl dense.hkl "${BASE[@]}" -N 0
expect_error fractional-cells "whole number" -hkl dense.hkl "${BASE[@]}" -N 1.5
expect_error bad-number "-lambda: 'abc' is not a number" -hkl dense.hkl "${BASE[@]}" -lambda abc
expect_error missing-value "-lambda: expects 1 value" -hkl dense.hkl "${BASE[@]}" -lambda
expect_error stray-value "'17': unexpected value" -hkl dense.hkl "${BASE[@]}" 17
expect_error no-cell "no unit cell" -hkl dense.hkl -lambda 1 -detpixels 32
expect_error unwritable-output "-floatfile: cannot write" -hkl dense.hkl "${BASE[@]}" -floatfile /nonexistent-dir/x.bin
expect_error zero-energy "-energy" -hkl dense.hkl "${BASE[@]}" -energy 0

# ---- detector readout flags (docs/readout.md): the readout-only flags
# need -noise_rng counter; bad values name the flag.  BASE_NOISE writes a
# noise image, so these are refused before anything is rendered. ----
BASE_NOISE=(-cell 79 79 38 90 90 90 -lambda 1 -distance 100 -detpixels 32 -pixel 0.1 -N 3 -nopgm)
for flag_value in "-readout_noise 1" "-psf_fwhm 1" "-calibration_error 0.01" \
    "-calibration_seed 5" "-count_cutoff 1000" "-masked_value 0"; do
  flag=${flag_value%% *}
  # shellcheck disable=SC2086
  expect_error "needs-counter$flag" "$flag: needs -noise_rng counter" \
    -hkl dense.hkl "${BASE_NOISE[@]}" $flag_value
  # shellcheck disable=SC2086
  expect_error "nanobragg-rng$flag" "$flag: needs -noise_rng counter" \
    -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter $flag_value -noise_rng nanobragg
done
expect_error bad-noise-rng "-noise_rng: 'philox' is not 'nanobragg' or 'counter'" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng philox
expect_error negative-readout-noise "-readout_noise must be" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter -readout_noise -1
expect_error nan-readout-noise "-readout_noise: 'nan' is not a number" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter -readout_noise nan
expect_error negative-psf "-psf_fwhm must be" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter -psf_fwhm -0.5
expect_error wide-psf "-psf_fwhm" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter -psf_fwhm 100
expect_error negative-calibration "-calibration_error must be" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter -calibration_error -0.01
expect_error fractional-calibration-seed "-calibration_seed: '1.5' is not a whole number" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter -calibration_seed 1.5
expect_error cutoff-below-adc "-count_cutoff (30) is below -adc (40)" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter -count_cutoff 30
expect_error cutoff-fractional "-count_cutoff" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter -count_cutoff 100.5
expect_error cutoff-negative "-count_cutoff: must be >= 0 counts" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter -count_cutoff -1
expect_error masked-value-too-big "-masked_value: must lie in 0 .. 65535" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter -masked_value 65536
expect_error masked-value-negative "-masked_value: must lie in 0 .. 65535" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter -masked_value -2
expect_error negative-adc-counter "-adc must be" -hkl dense.hkl "${BASE_NOISE[@]}" -noise_rng counter -adc -5

# A good run must succeed (under valgrind too) and write its files.
good="$work/good-run"
mkdir -p "$good"
cp "$INPUTS/dense.hkl" "$good/"
if (cd "$good" && run -hkl dense.hkl "${BASE[@]}" -threads 2 -floatfile f.bin \
      -intfile i.img > stdout.log 2> stderr.log) && [ -s "$good/f.bin" ] \
    && [ -s "$good/i.img" ] && [ ! -s "$good/stderr.log" ]; then
  echo "ok - good-run"
  passes=$((passes + 1))
else
  echo "not ok - good-run"
  sed 's/^/#   /' "$good/stderr.log"
  fails=$((fails + 1))
fi

# A good counter-readout run (every readout flag) under valgrind too.
good="$work/good-counter"
mkdir -p "$good"
cp "$INPUTS/dense.hkl" "$good/"
if (cd "$good" && run -hkl dense.hkl "${BASE_NOISE[@]}" -threads 2 -noise_rng counter \
      -readout_noise 2 -psf_fwhm 1.5 -calibration_error 0.01 -calibration_seed 3 \
      -count_cutoff 5000 -masked_value 7 -roi 2 29 0 31 -noisefile n.img \
      > stdout.log 2> stderr.log) && [ -s "$good/n.img" ] \
    && [ ! -s "$good/stderr.log" ]; then
  echo "ok - good-counter-run"
  passes=$((passes + 1))
else
  echo "not ok - good-counter-run"
  sed 's/^/#   /' "$good/stderr.log"
  fails=$((fails + 1))
fi

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
