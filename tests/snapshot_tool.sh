#!/bin/sh
# Checks the snapshot tooling end to end:
#  1. scripts/build-snapshot --from-feed reproduces the committed config/rates-snapshot.json
#     byte for byte from the genuine feed files in tests/fixtures/;
#  2. computefit-snapshot (what `scripts/build-snapshot --from-offers` runs) rebuilds us-east-1
#     from a file:// mirror of genuine offer files, with the prices those files print; the Spot
#     advice follows the new EC2 list, from the base snapshot or from a Spot Advisor feed.
# Usage (meson test): snapshot_tool.sh SOURCE_ROOT BUILD_ROOT
set -eu
src=$1
bld=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# 1. the committed snapshot is what the script builds from the fixtures"
python3 "$src/scripts/build-snapshot" --from-feed "$src/tests/fixtures" \
    --gpu-specs "$src/config/gpu-specs.json" --output "$tmp/feed.json" 2>/dev/null
cmp "$tmp/feed.json" "$src/config/rates-snapshot.json"

echo "# 1b. the readers of the bill's rates refuse what they cannot map, rather than guess"
python3 - "$src/scripts/build-snapshot" <<'PY'
import copy, importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("build_snapshot", sys.argv[1])
bs = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
loader.exec_module(bs)

def refused(read, *args):
    try:
        read(*args)
    except bs.BuildError as e:
        return str(e)
    raise AssertionError(f"{read.__name__} accepted {args!r}")

def rate(sku, dim, usd, label=None):
    key = f"opaque-{sku}-{dim}"
    entry = {"rateCode": f"{sku}.JRTCKXETXF.{dim}", "price": usd, "RegionlessRateCode": key}
    return {key: entry, **({label: dict(entry)} if label else {})}

H1, H2 = "ApiGatewayHttpApi First 300 million", "ApiGatewayHttpApi more than 300 million"
R = ["API Calls Number of up to 333 million", "API Calls Number of Request Next 667 million",
     "API Calls Number of Request Next 19 billion", "API Calls Number of Request Over 20 billion"]
def apigw(rates):
    return ({"regions": {"US East (Ohio)": rates}}, "2025-06-05T17:56:10Z")
http = {**rate("HTTPSKU", "T1", "0.0000010000", H1), **rate("HTTPSKU", "T2", "0.0000009000", H2)}
# Two labels on one rate code are one tier (as Sydney's first 1 billion REST requests).
rest = {**rate("RESTSKU", "A", "0.0000035000", R[0]), **rate("RESTSKU", "B", "0.0000023800", R[2]),
        **rate("RESTSKU", "C", "0.0000015100", R[3])}
rest[R[1]] = dict(rest[R[0]])
got, src = bs.bill_api_gateway(apigw({**http, **rest}), "us-east-2")
assert got["http_request_tiers"] == [{"up_to_requests": 3e8, "usd": 1e-06},
                                     {"up_to_requests": None, "usd": 9e-07}], got
assert [t["up_to_requests"] for t in got["rest_request_tiers"]] == [1e9, 20e9, None], got
assert src["published"] == "2025-06-05T17:56:10Z" and src["version"] == "feed@daa3fca", src
assert bs.bill_api_gateway(apigw({}), "us-east-2") is None
only_first = {k: v for k, v in http.items() if k != H2}
assert "without the other tiers" in refused(bs.bill_api_gateway, apigw(only_first), "us-east-2")
two_products = {**rate("HTTPSKU", "T1", "0.0000010000", H1), **rate("OTHER", "T2", "0.0000009", H2)}
assert "price one API type" in refused(bs.bill_api_gateway, apigw(two_products), "us-east-2")
unlabelled = {**http, **rate("HTTPSKU", "T3", "0.0000008000")}
assert "no label" in refused(bs.bill_api_gateway, apigw(unlabelled), "us-east-2")
unknown = {**http, **rate("HTTPSKU2", "X", "0.0000011000", "ApiGatewayHttpApi First 400 million")}
assert "does not know" in refused(bs.bill_api_gateway, apigw(unknown), "us-east-2")
astray = copy.deepcopy(http)
astray[H1]["price"] = "0.0000012000"  # not the rate its opaque id names
assert "RegionlessRateCode" in refused(bs.bill_api_gateway, apigw(astray), "us-east-2")

I, S = "Logs Collected Data Ingestion", "Stored Data"
def cw(rates):
    return ({"regions": {"US East (Ohio)": rates}}, "2025-06-05T17:56:13Z")
logs = {**rate("INGEST", "D", "0.5000000000", I), **rate("STORE", "D", "0.0300000000", S)}
got, _ = bs.bill_cloudwatch(cw(logs), "us-east-2")
assert got == {"logs": {"ingest_gb_usd": 0.5, "storage_gb_month_usd": 0.03}}, got
assert "without the other" in refused(bs.bill_cloudwatch, cw(rate("STORE", "D", "0.03", S)),
                                      "us-east-2")
tiered = {**logs, **rate("INGEST", "E", "0.2500000000")}
assert "more than one price" in refused(bs.bill_cloudwatch, cw(tiered), "us-east-2")

def elb_row(sku, usagetype, unit, usd, family="Load Balancer-Application",
            operation="LoadBalancing:Application", region="us-east-2", location="AWS Region"):
    attrs = {"servicecode": "AWSELB", "usagetype": usagetype, "operation": operation,
             "regionCode": region, "locationType": location}
    term = {"priceDimensions": {"d": {"unit": unit, "beginRange": "0", "endRange": "Inf",
                                      "pricePerUnit": {"USD": usd}}}}
    return sku, {"productFamily": family, "attributes": attrs}, {f"{sku}.JRTCKXETXF": term}
def elb(*rows):
    return {"version": "1", "publicationDate": "2026-01-01T00:00:00Z",
            "products": {r[0]: r[1] for r in rows}, "terms": {"OnDemand": {r[0]: r[2] for r in rows}}}
hour = elb_row("H", "USE2-LoadBalancerUsage", "Hrs", "0.0252")
lcu = elb_row("L", "USE2-LCUUsage", "LCU-Hrs", "0.0080")
decoys = [elb_row("N", "USE2-LoadBalancerUsage", "Hrs", "0.0300", family="Load Balancer-Network",
                  operation="LoadBalancing:Network"),
          elb_row("T", "TS-LoadBalancerUsage", "Hrs", "0.0050"),
          elb_row("W", "USW2-LoadBalancerUsage", "Hrs", "0.0400"),
          elb_row("O", "Outposts-LCUUsage", "LCU-Hrs", "0.0000000000", location="AWS Outposts"),
          elb_row("Z", "USE2-LCUUsage", "LCU-Hrs", "0.0000000000")]
got, _ = bs.bill_elb(elb(hour, lcu, *decoys), "us-east-2")
assert got == {"alb": {"hour_usd": 0.0252, "lcu_hour_usd": 0.008}}, got
assert bs.bill_elb(elb(*decoys), "us-east-2") is None
assert "without the rest" in refused(bs.bill_elb, elb(hour, *decoys), "us-east-2")
again = elb_row("H2", "LoadBalancerUsage", "Hrs", "0.0253")  # bare: the same rate
assert "two products" in refused(bs.bill_elb, elb(hour, lcu, again), "us-east-2")
print("ok")
PY

echo "# 2. a file:// mirror of genuine offer files"
m=$tmp/mirror/offers/v1.0/aws
for offer in AWSLambda AmazonECS AmazonEC2; do
    mkdir -p "$m/$offer/current/us-east-1"
    printf '{"regions": {"us-east-1": {"regionCode": "us-east-1", "currentVersionUrl": "/offers/v1.0/aws/%s/current/us-east-1/index.json"}}}\n' \
        "$offer" > "$m/$offer/current/region_index.json"
done
cp "$src/tests/fixtures/concurrencylabs-awslambda__index.json" "$m/AWSLambda/current/us-east-1/index.json"
cp "$src/tests/fixtures/opencost-ecs__ecs-pricing-us-east-1.json" "$m/AmazonECS/current/us-east-1/index.json"
cp "$src/tests/fixtures/opencost-ec2__pricing-us-east-1.json" "$m/AmazonEC2/current/us-east-1/index.json"

# A Savings Plans region file in AWS's layout, with rates no other file has (generated here:
# no genuine one exists for us-east-1; see README "Rates: where they come from").
sp=$tmp/mirror/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current
mkdir -p "$sp/us-east-1"
printf '{"regions": [{"regionCode": "us-east-1", "versionUrl": "/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current/us-east-1/index.json"}]}\n' \
    > "$sp/region_index.json"
cat > "$sp/us-east-1/index.json" <<'JSON'
{"version": "20261101000000", "publicationDate": "2026-11-01T00:00:00Z", "regionCode": "us-east-1",
 "products": [{"sku": "SNAPCSP3YRALL000", "productFamily": "ComputeSavingsPlans",
   "attributes": {"purchaseOption": "All Upfront", "purchaseTerm": "3yr"}}],
 "terms": {"savingsPlan": [{"sku": "SNAPCSP3YRALL000", "rates": [
   {"discountedUsageType": "Lambda-GB-Second", "discountedOperation": "", "discountedServiceCode": "AWSLambda",
    "discountedRate": {"price": "0.0000123457", "currency": "USD"}},
   {"discountedUsageType": "BoxUsage:p4d.24xlarge", "discountedOperation": "RunInstances", "discountedServiceCode": "AmazonEC2",
    "discountedRate": {"price": "19.8765", "currency": "USD"}},
   {"discountedUsageType": "BoxUsage:p4d.24xlarge", "discountedOperation": "RunInstances:0002", "discountedServiceCode": "AmazonEC2",
    "discountedRate": {"price": "1.5", "currency": "USD"}}]}]}}
JSON

CF_SNAPSHOT_TOOL="$bld/computefit-snapshot" python3 "$src/scripts/build-snapshot" \
    --from-offers "$tmp/mirror" --regions us-east-1 --gpu-specs "$src/config/gpu-specs.json" \
    --base "$src/config/rates-snapshot.json" --output "$tmp/offers.json"

python3 - "$tmp/offers.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
us = next(r for r in doc["regions"] if r["region"] == "us-east-1")
# Prices as printed in the genuine files (AmazonECS 20250828172723; AmazonEC2 20240528203522,
# p4d.24xlarge on demand 32.7726 next to its $0 Capacity Block row; AWSLambda 20161207235208).
assert us["fargate"]["x86_64"] == {"vcpu_hour_usd": 0.04048, "gb_hour_usd": 0.004445}, us["fargate"]
assert us["fargate"]["arm64"] == {"vcpu_hour_usd": 0.03238, "gb_hour_usd": 0.00356}
assert us["fargate"]["ephemeral_gb_hour_usd"] == 0.000111
p4d = [g for g in us["ec2_instances"] if g["instance_type"] == "p4d.24xlarge"]
assert len(p4d) == 1 and p4d[0]["usd_per_hour"] == 32.7726, p4d
assert all(g["usd_per_hour"] > 0 for g in us["ec2_instances"])
assert us["lambda"]["x86_64"]["request_usd"] == 2e-07
assert us["lambda"]["x86_64"]["gb_second_tiers"][0]["usd"] == 0.0000166667
# The 2016 file predates provisioned concurrency: us-east-1 keeps the base snapshot's rates
# (the feed's, as aws-price-list.md section 7 gives them).
assert us["lambda"]["x86_64"]["provisioned"] == {"concurrency_gb_second_usd": 0.0000041667,
                                                 "duration_gb_second_usd": 0.0000097222}, us["lambda"]
assert us["lambda"]["arm64"]["provisioned"] == {"concurrency_gb_second_usd": 0.0000033334,
                                                "duration_gb_second_usd": 0.0000077778}
for offer, version in (("lambda", "20161207235208"), ("fargate", "20250828172723"), ("ec2", "20240528203522")):
    s = us["sources"][offer]
    assert s["version"] == version, (offer, s)
    assert s["origin"].startswith("file://"), s
# The Savings Plans rates are read from the mirror, and the written snapshot serves them.
plan = us["savings_plans"]["plans"]
assert len(plan) == 1 and plan[0]["plan"] == "compute" and plan[0]["term_years"] == 3, plan
assert plan[0]["payment"] == "all_upfront"
assert plan[0]["lambda"]["x86_64"]["duration_gb_second_usd"] == 0.0000123457, plan
assert plan[0]["ec2"] == [{"instance_type": "p4d.24xlarge", "usd_per_hour": 19.8765}], plan
assert us["sources"]["savings_plans"]["version"] == "20261101000000"
# Offers the mirror does not have keep the base snapshot's rates, with their provenance.
assert us["elb"] == {"alb": {"hour_usd": 0.0225, "lcu_hour_usd": 0.008}}, us.get("elb")
assert us["cloudwatch"]["logs"] == {"ingest_gb_usd": 0.5, "storage_gb_month_usd": 0.03}
assert us["api_gateway"]["rest_request_tiers"][0] == {"up_to_requests": 333000000,
                                                      "usd": 3.5e-06}, us["api_gateway"]
assert us["sources"]["elb"]["version"] == "20260911124544", us["sources"]["elb"]
assert us["sources"]["cloudwatch"]["origin"].startswith("QuinnyPig/"), us["sources"]
# Regions the mirror does not have keep the base snapshot's rates.
eu = next(r for r in doc["regions"] if r["region"] == "eu-west-1")
assert eu["sources"]["fargate"]["origin"].startswith("QuinnyPig/"), eu["sources"]
# No Spot Advisor feed was read: us-east-1 keeps the base's advice (the genuine feed's, p4d s 67
# r 2) for the types of its new EC2 list only; eu-west-1 all of its own.
assert [a["instance_type"] for a in us["ec2_spot"]["instances"]] == \
    sorted(g["instance_type"] for g in us["ec2_instances"]), us["ec2_spot"]
p4d = us["ec2_spot"]["instances"][0]
assert p4d == {"instance_type": "p4d.24xlarge", "savings_pct": 67, "range": 2}, p4d
assert us["sources"]["ec2_spot"]["version"] == "feed@5eedf20", us["sources"]["ec2_spot"]
assert len(eu["ec2_spot"]["instances"]) == len(eu["ec2_instances"]), eu["ec2_spot"]
print("ok")
PY

echo "# 2b. the same with a Spot Advisor feed (file://): its advice, for the new EC2 list"
cat > "$tmp/mirror/spot-advisor-data.json" <<'JSON'
{"ranges": [{"index": 0, "label": "<5%", "dots": 0, "max": 5},
            {"index": 1, "label": "5-10%", "dots": 1, "max": 11}],
 "spot_advisor": {"us-east-1": {"Linux": {"p4d.24xlarge": {"s": 71.5, "r": 1},
                                          "g5.xlarge": {"s": 40, "r": 0}}}}}
JSON
CF_SNAPSHOT_TOOL="$bld/computefit-snapshot" python3 "$src/scripts/build-snapshot" \
    --from-offers "$tmp/mirror" --regions us-east-1 --gpu-specs "$src/config/gpu-specs.json" \
    --ec2-spot-advisor-url "$tmp/mirror/spot-advisor-data.json" \
    --base "$src/config/rates-snapshot.json" --output "$tmp/offers-spot.json"
python3 - "$tmp/offers-spot.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
us = next(r for r in doc["regions"] if r["region"] == "us-east-1")
assert us["ec2_spot"] == {"ranges": [{"label": "<5%", "max_pct": 5},
                                     {"label": "5-10%", "max_pct": 11}],
                          "instances": [{"instance_type": "p4d.24xlarge", "savings_pct": 71.5,
                                         "range": 1}]}, us["ec2_spot"]
src = us["sources"]["ec2_spot"]
assert src["origin"].startswith("file://") and src["version"] == "" and src["fetched_at"], src
print("ok")
PY

echo "# 2b. without the Savings Plans tree the snapshot is still written, without them"
rm -r "$tmp/mirror/savingsPlan"
CF_SNAPSHOT_TOOL="$bld/computefit-snapshot" python3 "$src/scripts/build-snapshot" \
    --from-offers "$tmp/mirror" --regions us-east-1 --gpu-specs "$src/config/gpu-specs.json" \
    --base "$src/config/rates-snapshot.json" --output "$tmp/offers2.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all("savings_plans" not in r for r in d["regions"])' "$tmp/offers2.json"

echo "# 3. a broken mirror writes nothing and fails"
echo '{"products": ' > "$m/AmazonECS/current/us-east-1/index.json"
if "$bld/computefit-snapshot" --config /dev/null --pricing-url "file://$tmp/mirror" \
    --regions us-east-1 --gpu-specs-file "$src/config/gpu-specs.json" \
    --ec2-spot-advisor-url "" --output "$tmp/broken.json" 2>/dev/null; then
    echo "computefit-snapshot succeeded on a broken mirror" >&2
    exit 1
fi
test ! -e "$tmp/broken.json"
echo "snapshot tooling: ok"
