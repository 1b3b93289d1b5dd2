#!/usr/bin/env bash
# Times `npm run seed` into Postgres (default: 3 runs of 10,000 users / 1,000,000 tasks) and
# prints each run and the median. Replaces the sample data in DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
tasks=${2:-1000000}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
npm run build --silent
times=()
for i in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  node apps/sample/dist/seed/seed.cli.js --users 10000 --tasks "$tasks" >/dev/null
  end=$(date +%s%N)
  t=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.1f", ns / 1e9 }')
  times+=("$t")
  echo "run $i: ${t} s"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "median of $runs runs (10,000 users, $tasks tasks): ${median} s"
