"""Replays the routed --fanout s3 / cloudwatch exporters' settings against an AWS
API server (moto in server mode, on loopback), for tests/fanout_kernel.rs.

Reads a JSON plan on stdin: {"kind": "s3"|"cloudwatch", "endpoint", "region",
"access_key", "secret_key", ...}; s3: "bucket", "path_style", "objects":
[{"key", "body_b64"}]; cloudwatch: "group", "stream", "messages": [str].
Writes what the server then holds as JSON on stdout: s3 {"objects": [{"key",
"body_b64"}]}, cloudwatch {"groups": [...], "messages": [...]}. boto3 signs
each request (SigV4) with the credentials the routed env resolves to.
"""
import base64
import json
import sys
import time

import boto3
from botocore.config import Config


def client(service, plan):
    cfg = Config(s3={"addressing_style": "path" if plan.get("path_style") else "auto"})
    return boto3.client(service, endpoint_url=plan["endpoint"], region_name=plan["region"],
                        aws_access_key_id=plan["access_key"], aws_secret_access_key=plan["secret_key"], config=cfg)


def s3(plan):
    c = client("s3", plan)
    if plan["region"] == "us-east-1":
        c.create_bucket(Bucket=plan["bucket"])
    else:
        c.create_bucket(Bucket=plan["bucket"], CreateBucketConfiguration={"LocationConstraint": plan["region"]})
    for o in plan["objects"]:
        c.put_object(Bucket=plan["bucket"], Key=o["key"], Body=base64.b64decode(o["body_b64"]),
                     ContentEncoding="gzip", ContentType="application/json")
    out = []
    for item in c.list_objects_v2(Bucket=plan["bucket"]).get("Contents", []):
        body = c.get_object(Bucket=plan["bucket"], Key=item["Key"])["Body"].read()
        out.append({"key": item["Key"], "body_b64": base64.b64encode(body).decode()})
    return {"objects": out}


def cloudwatch(plan):
    c = client("logs", plan)
    c.create_log_group(logGroupName=plan["group"])
    c.create_log_stream(logGroupName=plan["group"], logStreamName=plan["stream"])
    now = int(time.time() * 1000)
    events = [{"timestamp": now + i, "message": m} for i, m in enumerate(plan["messages"])]
    if events:
        c.put_log_events(logGroupName=plan["group"], logStreamName=plan["stream"], logEvents=events)
    got = c.get_log_events(logGroupName=plan["group"], logStreamName=plan["stream"], startFromHead=True)
    groups = [g["logGroupName"] for g in c.describe_log_groups()["logGroups"]]
    return {"groups": groups, "messages": [e["message"] for e in got["events"]]}


plan = json.load(sys.stdin)
json.dump({"s3": s3, "cloudwatch": cloudwatch}[plan["kind"]](plan), sys.stdout)
