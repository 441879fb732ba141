#!/usr/bin/env python3
"""Writes a synthetic AmazonEC2 offer file in the real format, for scripts/bench --ingest.

The layout is AWS's (pretty-printed, " : " separators, products then terms.OnDemand then
terms.Reserved) and each product carries the full attribute set of a genuine us-east-1 row
(tests/fixtures/opencost-ec2__pricing-us-east-1.json). Instance types are ~60 families times
their sizes, the GPU ones taken from config/gpu-specs.json; each type comes in every
combination of operating system, tenancy, pre-installed software and capacity status, so exactly
one product per type is the Linux / Shared / no-licence / on-demand / Used row that computefit
keeps (the rest are the traps the parser must skip). Shared "Used" rows also get six Reserved
terms, as AWS's do. The number of products is chosen so the file comes out at about --mb MB.
Nothing random: the same arguments give the same bytes.
Usage: gen_ec2_offer.py [--mb 500] OUT
"""
import argparse
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--mb", type=float, default=500)
ap.add_argument("out")
args = ap.parse_args()

specs = json.load(open(os.path.join(HERE, "..", "config", "gpu-specs.json")))
gpu_types = specs["instances"]
sizes = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "metal"]
families = ["m5", "m5a", "m5d", "m6i", "m6a", "m6g", "m7i", "m7g", "c5", "c5a", "c5d", "c6i", "c6a",
            "c6g", "c7i", "c7g", "r5", "r5a", "r5d", "r6i", "r6a", "r6g", "r7i", "r7g", "t3", "t3a",
            "i3", "i4i", "x2idn", "z1d", "d3", "h1", "inf2", "trn1", "m6id", "m6in", "c6in",
            "c6id", "r6id", "r6in", "x2iedn", "x1e", "i4g", "im4gn", "is4gen", "hpc6a", "m7a",
            "c7a", "r7a", "r8g", "m8g", "c8g", "m4", "c4", "r4", "x1", "t2", "m5n", "m5dn", "c5n",
            "r5n", "r5dn", "r5b", "m5zn", "x2gd", "c6gd", "m6gd", "r6gd", "c6gn", "c7gn", "r7iz",
            "i7ie", "m8a", "c8a", "r8a"]
types = []  # (name, vcpu, mem GiB, gpus)
for f in families:
    for i, s in enumerate(sizes):
        v = 2 << i
        types.append((f + "." + s, v, v * 4, 0))
for name, t in gpu_types.items():
    types.append((name, t["vcpu"], t["memory_gib"], t["gpus"]))

oses = [("Linux", "No License required"), ("Windows", "No License required"),
        ("RHEL", "No License required"), ("SUSE", "No License required"),
        ("Red Hat Enterprise Linux with HA", "No License required"),
        ("Ubuntu Pro", "No License required"), ("Linux", "Bring your own license")]
tenancies = ["Shared", "Dedicated", "Host"]
softwares = ["NA", "SQL Std", "SQL Web", "SQL Ent"]
capacities = ["Used", "UnusedCapacityReservation", "AllocatedCapacityReservation"]
combos = [(o, t, s, c) for o in oses for t in tenancies for s in softwares for c in capacities]

A32 = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def sku_of(n):
    x = (n * 0x9E3779B97F4A7C15 + 12345) % (1 << 80)  # odd multiplier: one SKU per n
    out = []
    for _ in range(16):
        x, r = divmod(x, 32)
        out.append(A32[r])
    return "".join(out)


PRODUCT = """    "%(sku)s" : {
      "sku" : "%(sku)s",
      "productFamily" : "Compute Instance",
      "attributes" : {
        "servicecode" : "AmazonEC2",
        "location" : "US East (N. Virginia)",
        "locationType" : "AWS Region",
        "instanceType" : "%(type)s",
        "currentGeneration" : "Yes",
        "instanceFamily" : "%(family)s",
        "vcpu" : "%(vcpu)d",
        "physicalProcessor" : "Intel Xeon Platinum 8275L",
        "clockSpeed" : "3 GHz",
        "memory" : "%(mem)d GiB",
        "storage" : "EBS only",
        "networkPerformance" : "Up to 25 Gigabit",
        "processorArchitecture" : "64-bit",
        "tenancy" : "%(tenancy)s",
        "operatingSystem" : "%(os)s",
        "licenseModel" : "%(license)s",
        "usagetype" : "%(usage)s:%(type)s",
        "operation" : "%(operation)s",
        "availabilityzone" : "NA",
        "capacitystatus" : "%(cap)s",
        "classicnetworkingsupport" : "false",
        "dedicatedEbsThroughput" : "Up to 4750 Mbps",
        "ecu" : "NA",
        "enhancedNetworkingSupported" : "Yes",
        "gpu" : "%(gpus)d",
        "gpuMemory" : "NA",
        "intelAvxAvailable" : "Yes",
        "intelAvx2Available" : "Yes",
        "intelTurboAvailable" : "Yes",
        "marketoption" : "OnDemand",
        "normalizationSizeFactor" : "%(norm)d",
        "preInstalledSw" : "%(sw)s",
        "processorFeatures" : "Intel AVX; Intel AVX2; Intel AVX512; Intel Turbo",
        "regionCode" : "us-east-1",
        "servicename" : "Amazon Elastic Compute Cloud",
        "vpcnetworkingsupport" : "true"
      }
    }"""

ONDEMAND = """      "%(sku)s" : {
        "%(sku)s.JRTCKXETXF" : {
          "offerTermCode" : "JRTCKXETXF",
          "sku" : "%(sku)s",
          "effectiveDate" : "2026-11-01T00:00:00Z",
          "priceDimensions" : {
            "%(sku)s.JRTCKXETXF.6YS6EN2CT7" : {
              "rateCode" : "%(sku)s.JRTCKXETXF.6YS6EN2CT7",
              "description" : "$%(price)s per On Demand %(os)s %(type)s Instance Hour",
              "beginRange" : "0",
              "endRange" : "Inf",
              "unit" : "Hrs",
              "pricePerUnit" : {
                "USD" : "%(price)s"
              },
              "appliesTo" : [ ]
            }
          },
          "termAttributes" : { }
        }
      }"""

RESERVED_TERM = """        "%(sku)s.%(code)s" : {
          "offerTermCode" : "%(code)s",
          "sku" : "%(sku)s",
          "effectiveDate" : "2026-11-01T00:00:00Z",
          "priceDimensions" : {
            "%(sku)s.%(code)s.2TG2D8R56U" : {
              "rateCode" : "%(sku)s.%(code)s.2TG2D8R56U",
              "description" : "Upfront Fee",
              "unit" : "Quantity",
              "pricePerUnit" : {
                "USD" : "%(upfront)s"
              },
              "appliesTo" : [ ]
            },
            "%(sku)s.%(code)s.6YS6EN2CT7" : {
              "rateCode" : "%(sku)s.%(code)s.6YS6EN2CT7",
              "description" : "%(os)s/UNIX (Amazon VPC), %(type)s reserved instance applied",
              "beginRange" : "0",
              "endRange" : "Inf",
              "unit" : "Hrs",
              "pricePerUnit" : {
                "USD" : "%(hourly)s"
              },
              "appliesTo" : [ ]
            }
          },
          "termAttributes" : {
            "LeaseContractLength" : "%(lease)s",
            "OfferingClass" : "%(klass)s",
            "PurchaseOption" : "%(option)s"
          }
        }"""

RESERVED = [("38NPMPTW36", "3yr", "standard", "Partial Upfront"),
            ("4NA7Y494T4", "1yr", "standard", "No Upfront"),
            ("6QCMYABX3D", "1yr", "standard", "All Upfront"),
            ("7NE97W5U4E", "1yr", "convertible", "No Upfront"),
            ("BPH4J8HBKS", "3yr", "standard", "No Upfront"),
            ("Z2E3P23VKM", "3yr", "convertible", "No Upfront")]


def row(n):
    t = types[n % len(types)]
    o, ten, sw, cap = combos[(n // len(types)) % len(combos)]
    gpus = t[3]
    base = 0.0125 * t[1] + (0.75 * gpus if gpus else 0)
    price = base * (1.0 + 0.4 * (o[0] != "Linux") + 0.1 * (ten != "Shared") + 0.5 * (sw != "NA"))
    operation = "RunInstances" + ("" if o[0] == "Linux" else ":0002")
    return {
        "sku": sku_of(n), "type": t[0], "family": "GPU instance" if gpus else "General purpose",
        "vcpu": t[1], "mem": t[2], "gpus": gpus, "tenancy": ten, "os": o[0], "license": o[1],
        "usage": "BoxUsage" if ten == "Shared" else "DedicatedUsage", "operation": operation,
        "cap": cap, "sw": sw, "norm": max(1, t[1] // 2) * 4, "price": "%.10f" % price,
        "reserved": cap == "Used" and ten == "Shared",
    }


def reserved(r):
    parts = []
    for code, lease, klass, option in RESERVED:
        hourly = float(r["price"]) * (0.6 if lease == "1yr" else 0.4)
        upfront = 0 if option == "No Upfront" else hourly * 8760 * (1 if lease == "1yr" else 3)
        parts.append(RESERVED_TERM % dict(r, code=code, lease=lease, klass=klass, option=option,
                                          hourly="%.10f" % hourly, upfront="%.0f" % upfront))
    return '      "%s" : {\n%s\n      }' % (r["sku"], ",\n".join(parts))


# As many products as make about --mb MB (each row's bytes counted exactly).
target = args.mb * 1e6
total = 400.0  # the head and the tail
n_rows = 0
while n_rows < len(types) * len(combos) and total < target:
    r = row(n_rows)
    total += len(PRODUCT % r) + len(ONDEMAND % r) + 4 + (len(reserved(r)) + 2 if r["reserved"] else 0)
    n_rows += 1
# (Past every combination, a larger file would repeat one: it stops at about 700 MB.)

with open(args.out, "w") as out:
    out.write('{\n  "formatVersion" : "v1.0",\n  "disclaimer" : "Generated by computefit '
              'bench/gen_ec2_offer.py for a benchmark; not AWS prices.",\n  "offerCode" : '
              '"AmazonEC2",\n  "version" : "20261201000000",\n  "publicationDate" : '
              '"2026-12-01T00:00:00Z",\n  "products" : {\n')
    for i in range(n_rows):
        out.write(PRODUCT % row(i))
        out.write(",\n" if i + 1 < n_rows else "\n")
    out.write('  },\n  "terms" : {\n    "OnDemand" : {\n')
    for i in range(n_rows):
        out.write(ONDEMAND % row(i))
        out.write(",\n" if i + 1 < n_rows else "\n")
    out.write('    },\n    "Reserved" : {\n')
    res = [i for i in range(n_rows) if row(i)["reserved"]]
    for k, i in enumerate(res):
        out.write(reserved(row(i)))
        out.write(",\n" if k + 1 < len(res) else "\n")
    out.write('    }\n  },\n  "attributesList" : { }\n}\n')
