#!/usr/bin/python3
"""The peer of the Avro preview tests: Debian's python3-avro (Apache Avro's own Python library) writes
Braze-Currents-like event files and reads them back, so our reader is checked against Avro's reference reader.

  avro-peer.py write OUT --codec null|deflate|snappy --rows N [--seed S] [--padding BYTES] [--doc-bytes BYTES]
  avro-peer.py read FILE [--rows N]      one JSON array per record, cells in field order (our preview's rules)

The cells follow the rules a preview promises, so the test can compare them as they are: ints exact, longs past
2^53 as digit strings, records, arrays and maps as JSON (with the same rules inside), bytes as 0x…, timestamps as
ISO 8601 with microseconds (the test widens our millisecond timestamps to compare).
"""
import argparse
import datetime
import json
import random
import sys

import avro.datafile
import avro.io
import avro.schema

SCHEMA = {
    "type": "record",
    "name": "users_messages_email_Send",
    "namespace": "com.braze.currents",
    "doc": "A Currents email send event, with more kinds of fields than Braze uses",
    "fields": [
        {"name": "id", "type": "string", "doc": "Globally unique ID of the event"},
        {"name": "user_id", "type": "string"},
        {"name": "external_user_id", "type": ["null", "string"]},
        {"name": "time", "type": "int"},
        {"name": "time_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "sent_at", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}]},
        {"name": "dispatch_id", "type": "long"},
        {"name": "platform", "type": {"type": "enum", "name": "Platform", "symbols": ["ios", "android", "web"]}},
        {"name": "score", "type": "double"},
        {"name": "ratio", "type": "float"},
        {"name": "opted_in", "type": "boolean"},
        {"name": "device", "type": ["null", {"type": "record", "name": "Device", "fields": [
            {"name": "model", "type": "string"},
            {"name": "os_version", "type": ["null", "string"]},
            {"name": "ad_id", "type": "long"},
        ]}]},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "properties", "type": {"type": "map", "values": ["null", "long", "string"]}},
        {"name": "checksum", "type": "bytes"},
        {"name": "padding", "type": "string"},
    ],
}

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def record(i, rnd, padding):
    big = 2**53 + 1 + i * 7  # past what a double holds exactly
    t = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=i * 61, milliseconds=rnd.randrange(1000))
    return {
        "id": f"{rnd.getrandbits(64):016x}-{i}",
        "user_id": f"user_{rnd.randrange(10**6)}",
        "external_user_id": None if i % 3 == 0 else f"ext-{i}",
        "time": 1709251200 + i * 61,
        "time_ms": t,
        "sent_at": None if i % 4 == 1 else t + datetime.timedelta(microseconds=rnd.randrange(1000)),
        "dispatch_id": -big if i % 2 else big,
        "platform": ["ios", "android", "web"][i % 3],
        "score": rnd.random() * 1000 - 500,
        "ratio": rnd.random(),
        "opted_in": i % 2 == 0,
        "device": None if i % 5 == 4 else {"model": f"Pixel {i % 9}", "os_version": None if i % 2 else f"14.{i % 4}", "ad_id": big * 3},
        "tags": [f"tag{j}" for j in range(i % 4)],
        "properties": {"clicks": i, "big": big * 2, "label": f"é{i}", "none": None},
        "checksum": bytes(rnd.randrange(256) for _ in range(4)),
        "padding": "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(padding)),
    }


def write(args):
    rnd = random.Random(args.seed)
    # A long schema doc makes a header larger than a reader's first range.
    schema = avro.schema.parse(json.dumps({**SCHEMA, "doc": SCHEMA["doc"] + " " + "x" * args.doc_bytes}))
    with open(args.out, "wb") as f:
        writer = avro.datafile.DataFileWriter(f, avro.io.DatumWriter(), schema, codec=args.codec)
        for i in range(args.rows):
            writer.append(record(i, rnd, args.padding))
        writer.close()


SAFE = 2**53 - 1


def inner(v):
    """A value inside JSON, by the preview's rules."""
    if isinstance(v, bool) or v is None or isinstance(v, (float, str)):
        return v
    if isinstance(v, int):
        return v if -SAFE <= v <= SAFE else str(v)
    if isinstance(v, bytes):
        return "0x" + v.hex()
    if isinstance(v, datetime.datetime):
        return v.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(v, dict):
        return {k: inner(x) for k, x in v.items()}
    if isinstance(v, list):
        return [inner(x) for x in v]
    raise TypeError(f"no rule for {type(v)}")


def cell(v):
    if isinstance(v, (dict, list)):
        return json.dumps(inner(v), separators=(",", ":"), ensure_ascii=False)
    return inner(v)


def read(args):
    with open(args.file, "rb") as f:
        reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        names = [x.name for x in reader.datum_reader.writers_schema.fields]
        print(json.dumps({"codec": reader.codec, "fields": names}))
        for n, r in enumerate(reader):
            if args.rows is not None and n >= args.rows:
                break
            print(json.dumps([cell(r[k]) for k in names], ensure_ascii=False))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("out")
    w.add_argument("--codec", default="null")
    w.add_argument("--rows", type=int, default=50)
    w.add_argument("--seed", type=int, default=1)
    w.add_argument("--padding", type=int, default=8)
    w.add_argument("--doc-bytes", type=int, default=0)
    r = sub.add_parser("read")
    r.add_argument("file")
    r.add_argument("--rows", type=int)
    args = p.parse_args()
    write(args) if args.cmd == "write" else read(args)


if __name__ == "__main__":
    sys.exit(main())
