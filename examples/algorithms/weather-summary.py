# The same algorithm as weather-summary.cjs, in Python: per station, the number
# of readings, the mean temperature and the total rainfall.
# Datasets are at INPUTS/<documentId>/0 for each documentId in DIDS; results go to OUTPUTS.
import csv
import json
import os

did = json.loads(os.environ['DIDS'])[0]
stations = {}
with open(os.path.join(os.environ['INPUTS'], did, '0'), newline='') as data:
    for row in csv.DictReader(data):
        station = stations.setdefault(row['station'], {'readings': 0, 'temperature_sum': 0.0, 'rainfall_mm': 0.0})
        station['readings'] += 1
        station['temperature_sum'] += float(row['temperature_c'])
        station['rainfall_mm'] += float(row['rainfall_mm'])

summary = {
    name: {
        'readings': s['readings'],
        'mean_temperature_c': round(s['temperature_sum'] / s['readings'], 2),
        'total_rainfall_mm': round(s['rainfall_mm'], 2),
    }
    for name, s in stations.items()
}
with open(os.path.join(os.environ['OUTPUTS'], 'summary.json'), 'w') as out:
    json.dump(summary, out, indent=2)
    out.write('\n')
print(f'summarised {sum(s["readings"] for s in stations.values())} readings of {len(summary)} stations')
