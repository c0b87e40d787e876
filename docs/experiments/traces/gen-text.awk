# deterministic pseudo-random text: Park-Miller LCG (exact in doubles), words from syllables
BEGIN {
  x = seed + 0; if (x == 0) x = 1
  split("ka lo mi ne ru sa ti vo pe da gu fi ho ja ze bu ce wy qi lu", syl, " ")
  out = 0
  while (out < bytes) {
    line = ""
    nw = 4 + int(next_r() * 9)
    for (w = 0; w < nw; w++) {
      ns = 1 + int(next_r() * 3); word = ""
      for (s = 0; s < ns; s++) word = word syl[1 + int(next_r() * 20)]
      line = line (w ? " " : "") word
    }
    print line; out += length(line) + 1
  }
}
function next_r() { x = (x * 16807) % 2147483647; return x / 2147483647 }
