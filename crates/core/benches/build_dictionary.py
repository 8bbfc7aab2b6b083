"""Builds the share codec's v2 dictionary extension from a training corpus of model-written apps.

    python3 crates/core/benches/build_dictionary.py 60000 crates/core/src/share/dictionary-v2.txt \
        crates/core/benches/data/share_training --min-df 2

made the released file (a test pins its length and fingerprint; never rebuild it for v2: a new
extension is a new format version). Options: --k K (segment size, 384), --d D (substring length,
8), --min-df N (substrings in fewer files than this are worth nothing, 3).

Greedy segment cover, in the manner of zstd's COVER trainer: a segment is a run of whole lines of
about K bytes (whole lines keep the column context meaningful); its value is the summed document
frequency (how many training files contain it) of the distinct D-byte substrings in it that no
chosen segment covers yet. Segments are chosen greedily, lazily re-valued since values only fall,
until BUDGET bytes; the most valuable is written last, nearest to the data it will help code.
Deterministic: the same files give the same bytes (no dependence on hash seeds or file system
order).
"""
import heapq, os, sys

def main():
    args = sys.argv[1:]
    opts = {'--k': 384, '--d': 8, '--min-df': 3}
    rest = []
    i = 0
    while i < len(args):
        if args[i] in opts:
            opts[args[i]] = int(args[i + 1]); i += 2
        else:
            rest.append(args[i]); i += 1
    budget, out, dirs = int(rest[0]), rest[1], rest[2:]
    k, d, min_df = opts['--k'], opts['--d'], opts['--min-df']
    files = []
    for dr in dirs:
        for name in sorted(os.listdir(dr)):
            p = os.path.join(dr, name)
            if os.path.isfile(p):
                files.append(open(p, 'rb').read())
    df = {}
    for data in files:
        seen = set(data[j:j + d] for j in range(len(data) - d + 1))
        for m in seen:
            df[m] = df.get(m, 0) + 1
    for m in list(df):
        if df[m] < min_df:
            del df[m]
    segments = []
    for data in files:
        starts = [0] + [j + 1 for j, b in enumerate(data) if b == 10 and j + 1 < len(data)]
        si = 0
        while si < len(starts):
            a = starts[si]
            sj = si
            while sj < len(starts) and starts[sj] - a < k:
                sj += 1
            b = starts[sj] if sj < len(starts) else len(data)
            segments.append(data[a:b])
            si += max(1, (sj - si) // 3)
    def value(seg):
        return sum(df.get(m, 0) for m in set(seg[j:j + d] for j in range(len(seg) - d + 1)))
    heap = [(-value(s), n) for n, s in enumerate(segments)]
    heapq.heapify(heap)
    chosen, size = [], 0
    while heap and size < budget:
        negv, n = heapq.heappop(heap)
        v = value(segments[n])
        if heap and v < -heap[0][0]:
            heapq.heappush(heap, (-v, n)); continue
        if v <= 0:
            break
        seg = segments[n]
        chosen.append(seg); size += len(seg)
        for m in set(seg[j:j + d] for j in range(len(seg) - d + 1)):
            df.pop(m, None)
    with open(out, 'wb') as f:
        for seg in reversed(chosen):
            f.write(seg)
    print(f'{len(chosen)} segments, {size} bytes', file=sys.stderr)

main()
