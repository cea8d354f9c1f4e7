"""`make bench`: cold starts, DynamoDB cost per request, scaling, handler overhead, local load and
a cost model, written to bench/report.md, bench/results.json and bench/plots/."""
