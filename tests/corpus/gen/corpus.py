#!/usr/bin/env python3
"""Writes the two generated specs of Dialtone's corpus:

- dropshot.yaml: a cloud control plane in the style of Oxide's
  Dropshot-generated specs (snake_case operationIds, many small schemas,
  NameOrId, results pages, `4XX`/`5XX` error refs, doc'd enums as oneOf).
- saas-large.yaml: a large help-desk/CRM API in the styles of Zendesk,
  HubSpot and GitHub's REST APIs (hundreds of operations, nested
  resources, shared parameters/responses/headers, deep models).

Deterministic (no randomness; sorted inputs); stdlib only. The output is
JSON, which is YAML. Run from anywhere:

    python3 tests/corpus/gen/corpus.py [OUT_DIR]

Do not edit the generated files by hand.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# tests/corpus, or the directory given (CI regenerates into a scratch one
# and compares).
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(HERE)


def ref(kind, name):
    return {"$ref": f"#/components/{kind}/{name}"}


def sref(name):
    return ref("schemas", name)


def write(name, header, spec):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8") as f:
        for line in header:
            f.write(f"# {line}\n")
        f.write(json.dumps(spec, indent=1, ensure_ascii=False))
        f.write("\n")
    ops = sum(
        1
        for item in spec["paths"].values()
        for m in item
        if m in ("get", "put", "post", "delete", "patch")
    )
    print(f"{name}: {ops} operations, {len(spec['components']['schemas'])} schemas")


# ---------------------------------------------------------------- dropshot


def dropshot():
    schemas = {
        "Name": {
            "title": "A name unique within the parent collection",
            "description": "Names must begin with a lower case ASCII letter, be composed exclusively of lowercase ASCII, uppercase ASCII, numbers, and '-', and may not end with a '-'.",
            "type": "string",
            "pattern": "^[a-z]([a-zA-Z0-9-]*[a-zA-Z0-9]+)?$",
            "minLength": 1,
            "maxLength": 63,
        },
        "NameOrId": {
            "oneOf": [
                {"title": "id", "allOf": [{"type": "string", "format": "uuid"}]},
                {"title": "name", "allOf": [sref("Name")]},
            ]
        },
        "ByteCount": {
            "description": "Byte count to express memory or storage capacity.",
            "type": "integer",
            "format": "uint64",
            "minimum": 0,
        },
        "InstanceCpuCount": {
            "description": "The number of CPUs in an Instance",
            "type": "integer",
            "format": "uint16",
            "minimum": 0,
        },
        "Error": {
            "description": "Error information from a response.",
            "type": "object",
            "properties": {
                "error_code": {"type": "string"},
                "message": {"type": "string"},
                "request_id": {"type": "string"},
            },
            "required": ["message", "request_id"],
        },
        "NameOrIdSortMode": {
            "description": "Supported set of sort modes for scanning by name or id",
            "oneOf": [
                {"description": "sort in increasing order of \"name\"", "type": "string", "enum": ["name_ascending"]},
                {"description": "sort in decreasing order of \"name\"", "type": "string", "enum": ["name_descending"]},
                {"description": "sort in increasing order of \"id\"", "type": "string", "enum": ["id_ascending"]},
            ],
        },
        "IdSortMode": {
            "description": "Supported set of sort modes for scanning by id only.",
            "oneOf": [{"description": "sort in increasing order of \"id\"", "type": "string", "enum": ["id_ascending"]}],
        },
        "InstanceState": {
            "description": "Running state of an Instance (primarily: booted or stopped)",
            "oneOf": [
                {"description": f"The instance is {s}.", "type": "string", "enum": [s]}
                for s in ["creating", "starting", "running", "stopping", "stopped", "rebooting", "migrating", "repairing", "failed", "destroyed"]
            ],
        },
        "DiskState": {
            "description": "State of a Disk",
            "oneOf": [
                {"description": "Disk is being initialized", "type": "object", "properties": {"state": {"type": "string", "enum": ["creating"]}}, "required": ["state"]},
                {"description": "Disk is ready but detached from any Instance", "type": "object", "properties": {"state": {"type": "string", "enum": ["detached"]}}, "required": ["state"]},
                {"description": "Disk is attached to the given Instance", "type": "object", "properties": {"instance": {"type": "string", "format": "uuid"}, "state": {"type": "string", "enum": ["attached"]}}, "required": ["instance", "state"]},
                {"description": "Disk is being detached from the given Instance", "type": "object", "properties": {"instance": {"type": "string", "format": "uuid"}, "state": {"type": "string", "enum": ["detaching"]}}, "required": ["instance", "state"]},
                {"description": "Disk has been destroyed", "type": "object", "properties": {"state": {"type": "string", "enum": ["destroyed"]}}, "required": ["state"]},
            ],
        },
        "DiskSource": {
            "description": "Different sources for a disk",
            "oneOf": [
                {"description": "Create a blank disk", "type": "object", "properties": {"block_size": sref("BlockSize"), "type": {"type": "string", "enum": ["blank"]}}, "required": ["block_size", "type"]},
                {"description": "Create a disk from a disk snapshot", "type": "object", "properties": {"snapshot_id": {"type": "string", "format": "uuid"}, "type": {"type": "string", "enum": ["snapshot"]}}, "required": ["snapshot_id", "type"]},
                {"description": "Create a disk from an image", "type": "object", "properties": {"image_id": {"type": "string", "format": "uuid"}, "type": {"type": "string", "enum": ["image"]}}, "required": ["image_id", "type"]},
                {"description": "Create a blank disk that will accept bulk writes", "type": "object", "properties": {"block_size": sref("BlockSize"), "type": {"type": "string", "enum": ["importing_blocks"]}}, "required": ["block_size", "type"]},
            ],
        },
        "BlockSize": {"title": "disk block size in bytes", "type": "integer", "enum": [512, 2048, 4096]},
        "IpNet": {
            "oneOf": [
                {"title": "v4", "allOf": [{"type": "string", "pattern": "^([0-9]{1,3}\\.){3}[0-9]{1,3}/[0-9]{1,2}$"}]},
                {"title": "v6", "allOf": [{"type": "string", "pattern": "^[0-9a-fA-F:]+/[0-9]{1,3}$"}]},
            ]
        },
        "RouteDestination": {
            "description": "A `RouteDestination` is used to match traffic with a routing rule",
            "oneOf": [
                {"description": "Route applies to traffic destined for the specified IP address", "type": "object", "properties": {"type": {"type": "string", "enum": ["ip"]}, "value": {"type": "string", "format": "ip"}}, "required": ["type", "value"]},
                {"description": "Route applies to traffic destined for the specified IP subnet", "type": "object", "properties": {"type": {"type": "string", "enum": ["ip_net"]}, "value": sref("IpNet")}, "required": ["type", "value"]},
                {"description": "Route applies to traffic destined for the specified VPC", "type": "object", "properties": {"type": {"type": "string", "enum": ["vpc"]}, "value": sref("Name")}, "required": ["type", "value"]},
            ],
        },
        "FieldValue": {
            "description": "A value of a metric's field; lists nest.",
            "oneOf": [
                {"type": "object", "properties": {"type": {"type": "string", "enum": ["string"]}, "value": {"type": "string"}}, "required": ["type", "value"]},
                {"type": "object", "properties": {"type": {"type": "string", "enum": ["i64"]}, "value": {"type": "integer", "format": "int64"}}, "required": ["type", "value"]},
                {"type": "object", "properties": {"type": {"type": "string", "enum": ["bool"]}, "value": {"type": "boolean"}}, "required": ["type", "value"]},
                {"type": "object", "properties": {"type": {"type": "string", "enum": ["list"]}, "value": {"type": "array", "items": sref("FieldValue")}}, "required": ["type", "value"]},
            ],
        },
        "Measurement": {
            "type": "object",
            "properties": {
                "datum": {"type": "number", "format": "double"},
                "timestamp": {"type": "string", "format": "date-time"},
                "fields": {"type": "object", "additionalProperties": sref("FieldValue")},
            },
            "required": ["datum", "timestamp"],
        },
        "MeasurementResultsPage": {
            "description": "A single page of results",
            "type": "object",
            "properties": {
                "items": {"description": "list of items on this page of results", "type": "array", "items": sref("Measurement")},
                "next_page": {"nullable": True, "description": "token used to fetch the next page of results (if any)", "type": "string"},
            },
            "required": ["items"],
        },
    }
    paths = {}

    def pagination_params(sort="NameOrIdSortMode"):
        return [
            {"in": "query", "name": "limit", "description": "Maximum number of items returned by a single call", "schema": {"nullable": True, "type": "integer", "format": "uint32", "minimum": 1}},
            {"in": "query", "name": "page_token", "description": "Token returned by previous call to retrieve the subsequent page", "schema": {"nullable": True, "type": "string"}},
            {"in": "query", "name": "sort_by", "schema": sref(sort)},
        ]

    errors = {"4XX": ref("responses", "Error"), "5XX": ref("responses", "Error")}

    def ok(schema, status="200", description="successful operation"):
        out = {status: {"description": description, "content": {"application/json": {"schema": schema}}}}
        out.update(errors)
        return out

    def selector(name, required=True):
        return {"in": "query", "name": name, "description": f"Name or ID of the {name}", "required": required, "schema": sref("NameOrId")}

    # resource, parent selector, tag, extra view fields, extra create fields
    resources = [
        ("project", None, "projects", {}, {}),
        ("instance", "project", "instances", {
            "ncpus": sref("InstanceCpuCount"),
            "memory": sref("ByteCount"),
            "hostname": {"type": "string"},
            "run_state": sref("InstanceState"),
            "time_run_state_updated": {"type": "string", "format": "date-time"},
        }, {
            "ncpus": sref("InstanceCpuCount"),
            "memory": sref("ByteCount"),
            "hostname": {"type": "string", "maxLength": 63},
            "start": {"description": "Should this instance be started upon creation", "default": True, "type": "boolean"},
            "user_data": {"description": "User data for instance initialization systems", "default": "", "type": "string", "format": "byte"},
            "disks": {"default": [], "type": "array", "items": sref("InstanceDiskAttachment")},
            "ssh_public_keys": {"nullable": True, "type": "array", "items": sref("NameOrId")},
        }),
        ("disk", "project", "disks", {
            "size": sref("ByteCount"),
            "block_size": sref("ByteCount"),
            "state": sref("DiskState"),
            "device_path": {"type": "string"},
            "image_id": {"nullable": True, "type": "string", "format": "uuid"},
            "snapshot_id": {"nullable": True, "type": "string", "format": "uuid"},
        }, {
            "size": {"description": "The total size of the Disk (in bytes)", "allOf": [sref("ByteCount")]},
            "disk_source": {"description": "The initial source for this disk", "allOf": [sref("DiskSource")]},
        }),
        ("snapshot", "project", "snapshots", {
            "disk_id": {"type": "string", "format": "uuid"},
            "size": sref("ByteCount"),
            "state": {"type": "string", "enum": ["creating", "ready", "faulted", "destroyed"]},
            "parent": {"nullable": True, "description": "The snapshot this one was taken from, if any", "allOf": [sref("Snapshot")]},
        }, {
            "disk": sref("NameOrId"),
        }),
        ("image", "project", "images", {
            "os": {"type": "string"},
            "version": {"type": "string"},
            "size": sref("ByteCount"),
            "block_size": sref("ByteCount"),
            "digest": {"nullable": True, "allOf": [sref("Digest")]},
        }, {
            "os": {"type": "string"},
            "version": {"type": "string"},
            "source": sref("ImageSource"),
        }),
        ("vpc", "project", "vpcs", {
            "dns_name": sref("Name"),
            "ipv6_prefix": {"type": "string"},
            "system_router_id": {"type": "string", "format": "uuid"},
        }, {
            "dns_name": sref("Name"),
            "ipv6_prefix": {"nullable": True, "type": "string"},
        }),
        ("subnet", "vpc", "vpcs", {
            "vpc_id": {"type": "string", "format": "uuid"},
            "ipv4_block": sref("IpNet"),
            "ipv6_block": sref("IpNet"),
        }, {
            "ipv4_block": sref("IpNet"),
            "ipv6_block": {"nullable": True, "allOf": [sref("IpNet")]},
        }),
        ("router", "vpc", "vpcs", {
            "kind": {"type": "string", "enum": ["system", "custom"]},
            "vpc_id": {"type": "string", "format": "uuid"},
        }, {}),
        ("route", "router", "vpcs", {
            "destination": sref("RouteDestination"),
            "kind": {"type": "string", "enum": ["default", "vpc_subnet", "vpc_peering", "custom"]},
        }, {
            "destination": sref("RouteDestination"),
        }),
        ("floating_ip", "project", "floating-ips", {
            "ip": {"type": "string", "format": "ip"},
            "instance_id": {"nullable": True, "type": "string", "format": "uuid"},
        }, {
            "ip": {"nullable": True, "type": "string", "format": "ip"},
            "pool": {"nullable": True, "allOf": [sref("NameOrId")]},
        }),
        ("ssh_key", None, "current-user", {
            "public_key": {"type": "string"},
            "silo_user_id": {"type": "string", "format": "uuid"},
        }, {
            "public_key": {"type": "string"},
        }),
        ("certificate", None, "silos", {
            "service": {"type": "string", "enum": ["external_api"]},
            "cert": {"type": "string"},
        }, {
            "cert": {"type": "string"},
            "key": {"type": "string", "format": "password"},
            "service": {"type": "string", "enum": ["external_api"]},
        }),
    ]

    def camel(s):
        return "".join(p[:1].upper() + p[1:] for p in s.split("_"))

    for name, parent, tag, view_extra, create_extra in resources:
        Name = camel(name)
        plural = name + "s"
        view = {
            "description": f"View of a {name.replace('_', ' ')}",
            "type": "object",
            "properties": {
                "id": {"description": "unique, immutable, system-controlled identifier for each resource", "type": "string", "format": "uuid"},
                "name": {"description": "unique, mutable, user-controlled identifier for each resource", "allOf": [sref("Name")]},
                "description": {"description": "human-readable free-form text about a resource", "type": "string"},
                "time_created": {"description": "timestamp when this resource was created", "type": "string", "format": "date-time"},
                "time_modified": {"description": "timestamp when this resource was last modified", "type": "string", "format": "date-time"},
            },
            "required": ["id", "name", "description", "time_created", "time_modified"],
        }
        if parent:
            view["properties"][f"{parent}_id"] = {"type": "string", "format": "uuid"}
            view["required"].append(f"{parent}_id")
        for k, v in view_extra.items():
            view["properties"][k] = v
            if "nullable" not in v and k not in view["required"]:
                view["required"].append(k)
        schemas[Name] = view
        create = {
            "description": f"Create-time parameters for a `{Name}`",
            "type": "object",
            "properties": {"name": sref("Name"), "description": {"type": "string"}},
            "required": ["name", "description"],
        }
        for k, v in create_extra.items():
            create["properties"][k] = v
            if "nullable" not in v and "default" not in v:
                create["required"].append(k)
        schemas[f"{Name}Create"] = create
        schemas[f"{Name}Update"] = {
            "description": f"Updateable properties of a `{Name}`",
            "type": "object",
            "properties": {
                "name": {"nullable": True, "allOf": [sref("Name")]},
                "description": {"nullable": True, "type": "string"},
            },
        }
        schemas[f"{Name}ResultsPage"] = {
            "description": "A single page of results",
            "type": "object",
            "properties": {
                "items": {"description": "list of items on this page of results", "type": "array", "items": sref(Name)},
                "next_page": {"nullable": True, "description": "token used to fetch the next page of results (if any)", "type": "string"},
            },
            "required": ["items"],
        }
        collection = f"/v1/{plural.replace('_', '-')}"
        item = f"{collection}/{{{name}}}"
        parent_params = [selector(parent, required=False)] if parent else []
        paths[collection] = {
            "get": {
                "tags": [tag],
                "summary": f"List {plural.replace('_', ' ')}",
                "operationId": f"{name}_list",
                "parameters": pagination_params() + parent_params,
                "responses": ok(sref(f"{Name}ResultsPage")),
                "x-dropshot-pagination": {"required": [parent] if parent else []},
            },
            "post": {
                "tags": [tag],
                "summary": f"Create {name.replace('_', ' ')}",
                "operationId": f"{name}_create",
                "parameters": [selector(parent)] if parent else [],
                "requestBody": {"content": {"application/json": {"schema": sref(f"{Name}Create")}}, "required": True},
                "responses": ok(sref(Name), "201", "successful creation"),
            },
        }
        path_param = {"in": "path", "name": name, "description": f"Name or ID of the {name.replace('_', ' ')}", "required": True, "schema": sref("NameOrId")}
        paths[item] = {
            "get": {
                "tags": [tag],
                "summary": f"Fetch {name.replace('_', ' ')}",
                "operationId": f"{name}_view",
                "parameters": [path_param] + parent_params,
                "responses": ok(sref(Name)),
            },
            "put": {
                "tags": [tag],
                "summary": f"Update {name.replace('_', ' ')}",
                "operationId": f"{name}_update",
                "parameters": [path_param] + parent_params,
                "requestBody": {"content": {"application/json": {"schema": sref(f"{Name}Update")}}, "required": True},
                "responses": ok(sref(Name)),
            },
            "delete": {
                "tags": [tag],
                "summary": f"Delete {name.replace('_', ' ')}",
                "operationId": f"{name}_delete",
                "parameters": [path_param] + parent_params,
                "responses": {"204": {"description": "successful deletion"}, **errors},
            },
        }

    schemas["InstanceDiskAttachment"] = {
        "description": "Describe the instance's disks at creation time",
        "oneOf": [
            {"description": "During instance creation, create and attach disks", "type": "object", "properties": {"description": {"type": "string"}, "disk_source": sref("DiskSource"), "name": sref("Name"), "size": sref("ByteCount"), "type": {"type": "string", "enum": ["create"]}}, "required": ["description", "disk_source", "name", "size", "type"]},
            {"description": "During instance creation, attach this disk", "type": "object", "properties": {"name": sref("Name"), "type": {"type": "string", "enum": ["attach"]}}, "required": ["name", "type"]},
        ],
    }
    schemas["ImageSource"] = {
        "description": "The source of the underlying image.",
        "oneOf": [
            {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "type": {"type": "string", "enum": ["snapshot"]}}, "required": ["id", "type"]},
            {"type": "object", "properties": {"type": {"type": "string", "enum": ["you_can_boot_anything_as_long_as_its_alpine"]}}, "required": ["type"]},
        ],
    }
    schemas["Digest"] = {
        "oneOf": [{"type": "object", "properties": {"type": {"type": "string", "enum": ["sha256"]}, "value": {"type": "string"}}, "required": ["type", "value"]}],
    }
    schemas["Snapshot"]["properties"]["parent"] = {"nullable": True, "description": "The snapshot this one was taken from, if any", "allOf": [sref("Snapshot")]}
    schemas["InstanceSerialConsoleData"] = {
        "type": "object",
        "properties": {
            "data": {"description": "The bytes starting from the requested offset up to either the end of the buffer or the request's `max_bytes`.", "type": "array", "items": {"type": "integer", "format": "uint8", "minimum": 0}},
            "last_byte_offset": {"type": "integer", "format": "uint64", "minimum": 0},
        },
        "required": ["data", "last_byte_offset"],
    }
    schemas["InstanceNetworkInterfaceAttachment"] = {
        "oneOf": [
            {"type": "object", "properties": {"params": {"type": "array", "items": sref("InstanceNetworkInterfaceCreate")}, "type": {"type": "string", "enum": ["create"]}}, "required": ["params", "type"]},
            {"type": "object", "properties": {"type": {"type": "string", "enum": ["default"]}}, "required": ["type"]},
            {"type": "object", "properties": {"type": {"type": "string", "enum": ["none"]}}, "required": ["type"]},
        ],
    }
    schemas["InstanceNetworkInterfaceCreate"] = {
        "type": "object",
        "properties": {"name": sref("Name"), "description": {"type": "string"}, "subnet_name": sref("Name"), "vpc_name": sref("Name"), "ip": {"nullable": True, "type": "string", "format": "ip"}},
        "required": ["name", "description", "subnet_name", "vpc_name"],
    }
    schemas["InstanceCreate"]["properties"]["network_interfaces"] = {"default": {"type": "default"}, "allOf": [sref("InstanceNetworkInterfaceAttachment")]}
    schemas["FirewallRule"] = {
        "type": "object",
        "properties": {
            "action": {"type": "string", "enum": ["allow", "deny"]},
            "direction": {"type": "string", "enum": ["inbound", "outbound"]},
            "filters": {
                "type": "object",
                "properties": {
                    "hosts": {"nullable": True, "type": "array", "items": sref("RouteDestination")},
                    "ports": {"nullable": True, "type": "array", "items": {"type": "string", "pattern": "^[0-9]{1,5}(-[0-9]{1,5})?$"}},
                    "protocols": {"nullable": True, "type": "array", "items": {"type": "string", "enum": ["TCP", "UDP", "ICMP"]}},
                },
            },
            "priority": {"type": "integer", "format": "uint16", "minimum": 0},
            "status": {"type": "string", "enum": ["disabled", "enabled"]},
            "targets": {"type": "array", "items": sref("RouteDestination")},
        },
        "required": ["action", "direction", "filters", "priority", "status", "targets"],
    }
    schemas["FirewallRules"] = {"type": "object", "properties": {"rules": {"type": "array", "items": sref("FirewallRule")}}, "required": ["rules"]}

    paths["/v1/instances/{instance}/serial-console"] = {
        "get": {
            "tags": ["instances"],
            "summary": "Fetch instance serial console",
            "operationId": "instance_serial_console",
            "parameters": [
                {"in": "path", "name": "instance", "required": True, "schema": sref("NameOrId")},
                {"in": "query", "name": "from_start", "schema": {"nullable": True, "type": "integer", "format": "uint64", "minimum": 0}},
                {"in": "query", "name": "max_bytes", "schema": {"nullable": True, "type": "integer", "format": "uint64", "minimum": 0}},
                selector("project", required=False),
            ],
            "responses": ok(sref("InstanceSerialConsoleData")),
        }
    }
    for action in ["start", "stop", "reboot"]:
        paths[f"/v1/instances/{{instance}}/{action}"] = {
            "post": {
                "tags": ["instances"],
                "summary": f"{action.capitalize()} instance",
                "operationId": f"instance_{action}",
                "parameters": [{"in": "path", "name": "instance", "required": True, "schema": sref("NameOrId")}, selector("project", required=False)],
                "responses": ok(sref("Instance"), "202", "successfully enqueued operation"),
            }
        }
    paths["/v1/vpc-firewall-rules"] = {
        "get": {"tags": ["vpcs"], "summary": "List firewall rules", "operationId": "vpc_firewall_rules_view", "parameters": [selector("vpc"), selector("project", required=False)], "responses": ok(sref("FirewallRules"))},
        "put": {"tags": ["vpcs"], "summary": "Replace firewall rules", "operationId": "vpc_firewall_rules_update", "parameters": [selector("vpc"), selector("project", required=False)], "requestBody": {"content": {"application/json": {"schema": sref("FirewallRules")}}, "required": True}, "responses": ok(sref("FirewallRules"))},
    }
    paths["/v1/system/metrics/{metric_name}"] = {
        "get": {
            "tags": ["metrics"],
            "summary": "View metrics",
            "operationId": "system_metric",
            "parameters": [
                {"in": "path", "name": "metric_name", "required": True, "schema": {"type": "string", "enum": ["virtual_disk_space_provisioned", "cpus_provisioned", "ram_provisioned"]}},
                {"in": "query", "name": "start_time", "required": True, "schema": {"type": "string", "format": "date-time"}},
                {"in": "query", "name": "end_time", "required": True, "schema": {"type": "string", "format": "date-time"}},
                {"in": "query", "name": "order", "schema": {"nullable": True, "type": "string", "enum": ["ascending", "descending"]}},
            ] + pagination_params("IdSortMode")[:2],
            "responses": ok(sref("MeasurementResultsPage")),
            "x-dropshot-pagination": {"required": ["start_time", "end_time"]},
        }
    }
    paths["/v1/ping"] = {
        "get": {"tags": ["system"], "summary": "Ping API", "operationId": "ping", "responses": ok({"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]}}, "required": ["status"]})}
    }
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "Cumulus Control Plane", "description": "API for interacting with a rack-scale cloud", "contact": {"url": "https://cumulus.example", "email": "api@cumulus.example"}, "version": "20241204.0.0"},
        "paths": paths,
        "components": {
            "responses": {"Error": {"description": "Error", "content": {"application/json": {"schema": sref("Error")}}}},
            "schemas": dict(sorted(schemas.items())),
        },
        "tags": [{"name": t} for t in sorted({op["tags"][0] for item in paths.values() for op in item.values()})],
    }
    write(
        "dropshot.yaml",
        [
            "A cloud control plane in the style of Oxide's Dropshot-generated specs,",
            "written for Dialtone's corpus. Generated by tests/corpus/gen/corpus.py:",
            "do not edit by hand.",
        ],
        spec,
    )


# -------------------------------------------------------------- saas-large


def saas_large():
    schemas = {}
    params = {
        "Page": {"name": "page", "in": "query", "description": "Page number, from 1.", "schema": {"type": "integer", "minimum": 1, "default": 1}},
        "PerPage": {"name": "per_page", "in": "query", "description": "Items per page.", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 30}},
        "Cursor": {"name": "cursor", "in": "query", "description": "An opaque cursor from a previous page.", "schema": {"type": "string"}},
        "Sort": {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["created", "updated", "name"]}},
        "Direction": {"name": "direction", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"], "default": "desc"}},
        "Since": {"name": "since", "in": "query", "description": "Only items updated after this time.", "schema": {"type": "string", "format": "date-time"}},
        "Include": {"name": "include[]", "in": "query", "description": "Side-loads.", "style": "form", "explode": True, "schema": {"type": "array", "items": {"type": "string"}}},
        "RequestId": {"name": "X-Request-Id", "in": "header", "description": "Echoed back in responses.", "schema": {"type": "string", "maxLength": 64}},
        "OrgId": {"name": "org_id", "in": "path", "required": True, "schema": {"type": "integer", "format": "int64"}},
    }
    headers = {
        "RateLimitRemaining": {"description": "Requests left in the window.", "schema": {"type": "integer"}},
        "RateLimitReset": {"description": "When the window resets (epoch seconds).", "schema": {"type": "integer", "format": "int64"}},
        "RetryAfter": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
        "Link": {"description": "RFC 8288 links to other pages.", "schema": {"type": "string"}},
        "TotalCount": {"description": "How many items match.", "schema": {"type": "integer"}},
    }
    schemas["Error"] = {
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {"type": "string"},
            "documentation_url": {"type": "string", "format": "uri"},
            "errors": {"type": "array", "items": {"type": "object", "required": ["code"], "properties": {"resource": {"type": "string"}, "field": {"type": "string"}, "code": {"type": "string", "enum": ["missing", "missing_field", "invalid", "already_exists", "unprocessable", "custom"]}, "message": {"type": "string"}}}},
        },
    }
    responses = {
        "NotFound": {"description": "Resource not found", "content": {"application/json": {"schema": sref("Error")}}},
        "Unauthorized": {"description": "Requires authentication", "content": {"application/json": {"schema": sref("Error")}}},
        "ValidationFailed": {"description": "Validation failed", "content": {"application/json": {"schema": sref("Error")}}},
        "RateLimited": {
            "description": "Too many requests",
            "headers": {"Retry-After": ref("headers", "RetryAfter"), "X-RateLimit-Remaining": ref("headers", "RateLimitRemaining"), "X-RateLimit-Reset": ref("headers", "RateLimitReset")},
            "content": {"application/json": {"schema": sref("Error")}},
        },
        "Accepted": {"description": "Accepted for processing", "content": {"application/json": {"schema": sref("Job")}}},
    }
    schemas["Resource"] = {
        "type": "object",
        "required": ["id", "url", "created_at", "updated_at"],
        "properties": {
            "id": {"type": "integer", "format": "int64", "readOnly": True},
            "url": {"type": "string", "format": "uri", "readOnly": True},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "external_id": {"type": "string", "nullable": True},
        },
    }
    schemas["CustomFields"] = {"description": "Custom field values by key.", "type": "object", "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "array", "items": {"type": "string"}}], "nullable": True}}
    schemas["Address"] = {"type": "object", "properties": {"street": {"type": "string"}, "city": {"type": "string"}, "region": {"type": "string"}, "postal_code": {"type": "string"}, "country": {"type": "string", "minLength": 2, "maxLength": 2}, "geo": {"type": "object", "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90}, "lng": {"type": "number", "minimum": -180, "maximum": 180}}}}}
    schemas["Via"] = {
        "description": "How something was created.",
        "type": "object",
        "properties": {
            "channel": {"type": "string", "enum": ["web", "email", "api", "voice", "chat", "sms", "mobile"]},
            "source": {
                "type": "object",
                "properties": {
                    "from": {"type": "object", "properties": {"address": {"type": "string"}, "name": {"type": "string"}, "phone": {"type": "string"}, "formatted_phone": {"type": "string"}, "original_recipients": {"type": "array", "items": {"type": "string", "format": "email"}}}},
                    "to": {"type": "object", "properties": {"address": {"type": "string"}, "name": {"type": "string"}, "phone": {"type": "string"}}},
                    "rel": {"type": "string", "nullable": True},
                },
            },
        },
    }
    schemas["Job"] = {"type": "object", "required": ["id", "status"], "properties": {"id": {"type": "string"}, "status": {"type": "string", "enum": ["queued", "working", "failed", "completed"]}, "progress": {"type": "integer", "minimum": 0, "maximum": 100}, "results": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}, "status": {"type": "string"}, "errors": {"type": "array", "items": {"type": "string"}}}}}}}
    schemas["Attachment"] = {"allOf": [sref("Resource"), {"type": "object", "required": ["file_name", "content_url"], "properties": {"file_name": {"type": "string"}, "content_url": {"type": "string", "format": "uri"}, "content_type": {"type": "string"}, "size": {"type": "integer", "format": "int64"}, "thumbnails": {"type": "array", "items": {"type": "object", "properties": {"url": {"type": "string", "format": "uri"}, "width": {"type": "integer"}, "height": {"type": "integer"}}}}, "malware_scan_result": {"type": "string", "enum": ["malware_found", "malware_not_found", "failed_to_scan", "not_scanned"]}}}]}

    resources = [
        ("ticket", {"subject": {"type": "string"}, "description": {"type": "string"}, "priority": {"type": "string", "enum": ["urgent", "high", "normal", "low"], "nullable": True}, "status": {"type": "string", "enum": ["new", "open", "pending", "hold", "solved", "closed"]}, "requester_id": {"type": "integer", "format": "int64"}, "assignee_id": {"type": "integer", "format": "int64", "nullable": True}, "tags": {"type": "array", "items": {"type": "string"}}, "via": sref("Via"), "custom_fields": sref("CustomFields"), "satisfaction_rating": {"type": "object", "nullable": True, "properties": {"score": {"type": "string", "enum": ["offered", "unoffered", "good", "bad"]}, "comment": {"type": "string"}}}}),
        ("user", {"name": {"type": "string"}, "email": {"type": "string", "format": "email"}, "phone": {"type": "string", "nullable": True}, "role": {"type": "string", "enum": ["end-user", "agent", "admin"]}, "locale": {"type": "string"}, "time_zone": {"type": "string"}, "verified": {"type": "boolean"}, "photo": {"nullable": True, "allOf": [sref("Attachment")]}, "user_fields": sref("CustomFields"), "addresses": {"type": "array", "items": sref("Address")}}),
        ("organization", {"name": {"type": "string"}, "domain_names": {"type": "array", "items": {"type": "string"}}, "details": {"type": "string"}, "shared_tickets": {"type": "boolean"}, "organization_fields": sref("CustomFields"), "address": sref("Address")}),
        ("group", {"name": {"type": "string"}, "description": {"type": "string"}, "default": {"type": "boolean"}, "is_public": {"type": "boolean"}}),
        ("macro", {"title": {"type": "string"}, "active": {"type": "boolean"}, "actions": {"type": "array", "items": {"type": "object", "required": ["field", "value"], "properties": {"field": {"type": "string"}, "value": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}}}, "restriction": {"type": "object", "nullable": True, "properties": {"type": {"type": "string", "enum": ["Group", "User"]}, "ids": {"type": "array", "items": {"type": "integer", "format": "int64"}}}}}),
        ("view", {"title": {"type": "string"}, "active": {"type": "boolean"}, "conditions": sref("Conditions"), "execution": {"type": "object", "properties": {"group_by": {"type": "string", "nullable": True}, "sort_by": {"type": "string"}, "columns": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "title": {"type": "string"}}}}}}}),
        ("trigger", {"title": {"type": "string"}, "active": {"type": "boolean"}, "position": {"type": "integer"}, "conditions": sref("Conditions"), "actions": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "value": {}}}}}),
        ("automation", {"title": {"type": "string"}, "active": {"type": "boolean"}, "conditions": sref("Conditions")}),
        ("sla_policy", {"title": {"type": "string"}, "filter": sref("Conditions"), "policy_metrics": {"type": "array", "items": {"type": "object", "properties": {"priority": {"type": "string"}, "metric": {"type": "string", "enum": ["first_reply_time", "next_reply_time", "periodic_update_time", "requester_wait_time", "agent_work_time"]}, "target": {"type": "integer"}, "business_hours": {"type": "boolean"}}}}}),
        ("webhook", {"name": {"type": "string"}, "endpoint": {"type": "string", "format": "uri"}, "http_method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]}, "request_format": {"type": "string", "enum": ["json", "xml", "form_encoded"]}, "status": {"type": "string", "enum": ["active", "inactive"]}, "subscriptions": {"type": "array", "items": {"type": "string"}}, "authentication": {"nullable": True, "oneOf": [sref("BasicAuth"), sref("BearerAuth"), sref("ApiKeyAuth")], "discriminator": {"propertyName": "type", "mapping": {"basic_auth": "#/components/schemas/BasicAuth", "bearer_token": "#/components/schemas/BearerAuth", "api_key": "#/components/schemas/ApiKeyAuth"}}}}),
        ("brand", {"name": {"type": "string"}, "subdomain": {"type": "string"}, "host_mapping": {"type": "string", "nullable": True}, "active": {"type": "boolean"}, "logo": {"nullable": True, "allOf": [sref("Attachment")]}}),
        ("ticket_field", {"title": {"type": "string"}, "type": {"type": "string", "enum": ["text", "textarea", "checkbox", "date", "integer", "decimal", "regexp", "tagger", "multiselect"]}, "required": {"type": "boolean"}, "custom_field_options": {"type": "array", "items": {"type": "object", "required": ["name", "value"], "properties": {"name": {"type": "string"}, "value": {"type": "string"}, "default": {"type": "boolean"}}}}}),
        ("user_field", {"key": {"type": "string", "pattern": "^[a-z0-9_]+$"}, "title": {"type": "string"}, "type": {"type": "string"}}),
        ("organization_field", {"key": {"type": "string"}, "title": {"type": "string"}, "type": {"type": "string"}}),
        ("ticket_form", {"name": {"type": "string"}, "ticket_field_ids": {"type": "array", "items": {"type": "integer", "format": "int64"}}, "agent_conditions": {"type": "array", "items": {"type": "object", "properties": {"parent_field_id": {"type": "integer", "format": "int64"}, "value": {}, "child_fields": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}, "is_required": {"type": "boolean"}, "required_on_statuses": {"type": "object", "properties": {"type": {"type": "string"}, "statuses": {"type": "array", "items": {"type": "string"}}}}}}}}}}}),
        ("dynamic_content_item", {"name": {"type": "string"}, "placeholder": {"type": "string"}, "default_locale_id": {"type": "integer"}, "variants": {"type": "array", "items": {"type": "object", "properties": {"content": {"type": "string"}, "locale_id": {"type": "integer"}, "default": {"type": "boolean"}, "active": {"type": "boolean"}}}}}),
        ("schedule", {"name": {"type": "string"}, "time_zone": {"type": "string"}, "intervals": {"type": "array", "items": {"type": "object", "required": ["start_time", "end_time"], "properties": {"start_time": {"type": "integer"}, "end_time": {"type": "integer"}}}}}),
        ("holiday", {"name": {"type": "string"}, "start_date": {"type": "string", "format": "date"}, "end_date": {"type": "string", "format": "date"}}),
        ("target", {"title": {"type": "string"}, "type": {"type": "string"}, "active": {"type": "boolean"}}),
        ("tag", {"name": {"type": "string"}, "count": {"type": "integer"}}),
        ("skill", {"name": {"type": "string"}, "values": {"type": "array", "items": {"type": "string"}}}),
        ("deal", {"name": {"type": "string"}, "amount": {"type": "number", "nullable": True}, "stage": {"type": "string"}, "pipeline": {"type": "string"}, "close_date": {"type": "string", "format": "date", "nullable": True}, "properties": {"type": "object", "additionalProperties": {"type": "string", "nullable": True}}, "associations": {"type": "object", "additionalProperties": {"type": "object", "properties": {"results": {"type": "array", "items": {"type": "object", "required": ["id", "type"], "properties": {"id": {"type": "string"}, "type": {"type": "string"}}}}}}}}),
        ("contact", {"firstname": {"type": "string"}, "lastname": {"type": "string"}, "email": {"type": "string", "format": "email"}, "lifecyclestage": {"type": "string", "enum": ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"]}, "properties": {"type": "object", "additionalProperties": {"type": "string", "nullable": True}}}),
        ("company", {"name": {"type": "string"}, "domain": {"type": "string"}, "industry": {"type": "string"}, "numberofemployees": {"type": "integer", "nullable": True}, "address": sref("Address")}),
        ("pipeline", {"label": {"type": "string"}, "display_order": {"type": "integer"}, "stages": {"type": "array", "items": {"type": "object", "required": ["label", "id"], "properties": {"id": {"type": "string"}, "label": {"type": "string"}, "metadata": {"type": "object", "additionalProperties": {"type": "string"}}}}}}),
        ("note", {"body": {"type": "string"}, "author_id": {"type": "integer", "format": "int64"}, "attachments": {"type": "array", "items": sref("Attachment")}}),
        ("task", {"subject": {"type": "string"}, "status": {"type": "string", "enum": ["NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"]}, "due_at": {"type": "string", "format": "date-time", "nullable": True}, "reminders": {"type": "array", "items": {"type": "string", "format": "date-time"}}}),
        ("call", {"direction": {"type": "string", "enum": ["inbound", "outbound"]}, "duration": {"type": "integer", "minimum": 0}, "from_number": {"type": "string"}, "to_number": {"type": "string"}, "recording_url": {"type": "string", "format": "uri", "nullable": True}, "disposition": {"type": "string"}}),
        ("meeting", {"title": {"type": "string"}, "start_time": {"type": "string", "format": "date-time"}, "end_time": {"type": "string", "format": "date-time"}, "attendees": {"type": "array", "items": {"type": "object", "properties": {"email": {"type": "string", "format": "email"}, "response": {"type": "string", "enum": ["accepted", "declined", "tentative", "none"]}}}}}),
        ("email_template", {"name": {"type": "string"}, "subject": {"type": "string"}, "body_html": {"type": "string"}, "body_text": {"type": "string"}}),
        ("repository", {"name": {"type": "string"}, "full_name": {"type": "string"}, "private": {"type": "boolean"}, "default_branch": {"type": "string"}, "topics": {"type": "array", "items": {"type": "string"}}, "permissions": {"type": "object", "properties": {"admin": {"type": "boolean"}, "push": {"type": "boolean"}, "pull": {"type": "boolean"}}}, "license": {"type": "object", "nullable": True, "properties": {"key": {"type": "string"}, "spdx_id": {"type": "string", "nullable": True}}}}),
        ("issue", {"number": {"type": "integer"}, "title": {"type": "string"}, "body": {"type": "string", "nullable": True}, "state": {"type": "string", "enum": ["open", "closed"]}, "state_reason": {"type": "string", "enum": ["completed", "reopened", "not_planned"], "nullable": True}, "labels": {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}, "color": {"type": "string", "nullable": True}}}]}}, "milestone": {"nullable": True, "allOf": [sref("Milestone")]}, "reactions": sref("Reactions")}),
        ("milestone", {"title": {"type": "string"}, "state": {"type": "string", "enum": ["open", "closed"]}, "due_on": {"type": "string", "format": "date-time", "nullable": True}, "open_issues": {"type": "integer"}, "closed_issues": {"type": "integer"}}),
        ("label", {"name": {"type": "string"}, "color": {"type": "string", "pattern": "^[0-9a-fA-F]{6}$"}, "description": {"type": "string", "nullable": True}}),
        ("release", {"tag_name": {"type": "string"}, "name": {"type": "string", "nullable": True}, "draft": {"type": "boolean"}, "prerelease": {"type": "boolean"}, "assets": {"type": "array", "items": sref("Attachment")}, "reactions": sref("Reactions")}),
        ("deployment", {"ref": {"type": "string"}, "task": {"type": "string"}, "environment": {"type": "string"}, "payload": {"oneOf": [{"type": "object", "additionalProperties": True}, {"type": "string"}]}, "statuses": {"type": "array", "items": {"type": "object", "properties": {"state": {"type": "string", "enum": ["error", "failure", "inactive", "pending", "success", "queued", "in_progress"]}, "description": {"type": "string"}, "environment_url": {"type": "string", "format": "uri"}}}}}),
        ("team", {"name": {"type": "string"}, "slug": {"type": "string"}, "privacy": {"type": "string", "enum": ["secret", "closed"]}, "parent": {"nullable": True, "allOf": [sref("Team")]}}),
        ("project", {"name": {"type": "string"}, "body": {"type": "string", "nullable": True}, "state": {"type": "string"}, "columns": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "cards": {"type": "array", "items": {"type": "object", "properties": {"note": {"type": "string", "nullable": True}, "content_url": {"type": "string", "format": "uri"}, "archived": {"type": "boolean"}}}}}}}}),
        ("secret", {"name": {"type": "string"}, "visibility": {"type": "string", "enum": ["all", "private", "selected"]}, "selected_repositories_url": {"type": "string", "format": "uri"}}),
        ("runner", {"name": {"type": "string"}, "os": {"type": "string"}, "status": {"type": "string", "enum": ["online", "offline"]}, "busy": {"type": "boolean"}, "labels": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "type": {"type": "string", "enum": ["read-only", "custom"]}}}}}),
        ("audit_log", {"action": {"type": "string"}, "actor_id": {"type": "integer", "format": "int64"}, "source_type": {"type": "string"}, "source_id": {"type": "integer", "format": "int64"}, "change_description": {"type": "string"}, "ip_address": {"type": "string", "nullable": True}}),
    ]
    schemas["Conditions"] = {"type": "object", "properties": {"all": {"type": "array", "items": sref("Condition")}, "any": {"type": "array", "items": sref("Condition")}}}
    schemas["Condition"] = {"type": "object", "required": ["field", "operator"], "properties": {"field": {"type": "string"}, "operator": {"type": "string", "enum": ["is", "is_not", "less_than", "greater_than", "includes", "not_includes", "present", "not_present"]}, "value": {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "array", "items": {"type": "string"}}]}}}
    schemas["BasicAuth"] = {"type": "object", "required": ["type", "data"], "properties": {"type": {"type": "string"}, "add_position": {"type": "string", "enum": ["header"]}, "data": {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string", "format": "password"}}}}}
    schemas["BearerAuth"] = {"type": "object", "required": ["type", "data"], "properties": {"type": {"type": "string"}, "data": {"type": "object", "properties": {"token": {"type": "string", "format": "password"}}}}}
    schemas["ApiKeyAuth"] = {"type": "object", "required": ["type", "data"], "properties": {"type": {"type": "string"}, "data": {"type": "object", "properties": {"name": {"type": "string"}, "value": {"type": "string", "format": "password"}}}}}
    schemas["Reactions"] = {"type": "object", "properties": {k: {"type": "integer"} for k in ["total_count", "+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket"]}}

    def camel(s):
        return "".join(p[:1].upper() + p[1:] for p in s.split("_"))

    styles = ["slash", "camel", "kebab"]
    paths = {}
    request_bodies = {}
    for i, (name, fields) in enumerate(resources):
        Name = camel(name)
        style = styles[i % 3]

        def op_id(verb, noun):
            if style == "slash":
                return f"{noun}/{verb}"
            if style == "camel":
                return verb + camel(noun)
            return f"{verb}-{noun.replace('_', '-')}"

        writable = {k: v for k, v in fields.items()}
        schemas[f"{Name}Input"] = {"type": "object", "properties": writable}
        schemas[Name] = {"allOf": [sref("Resource"), {"type": "object", "properties": fields}]}
        schemas[f"{Name}Page"] = {
            "type": "object",
            "required": ["items"],
            "properties": {
                "items": {"type": "array", "items": sref(Name)},
                "next_page": {"type": "string", "format": "uri", "nullable": True},
                "previous_page": {"type": "string", "format": "uri", "nullable": True},
                "count": {"type": "integer"},
                "meta": {"type": "object", "properties": {"has_more": {"type": "boolean"}, "after_cursor": {"type": "string", "nullable": True}, "before_cursor": {"type": "string", "nullable": True}}},
            },
        }
        request_bodies[f"{Name}Body"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "required": [name], "properties": {name: sref(f"{Name}Input")}}}},
        }
        base = f"/orgs/{{org_id}}/{name.replace('_', '-')}s"
        item = f"{base}/{{{name}_id}}"
        id_param = {"name": f"{name}_id", "in": "path", "required": True, "schema": {"type": "integer", "format": "int64"}}
        one = {"type": "object", "required": [name], "properties": {name: sref(Name)}}
        common = [ref("parameters", "RequestId")]
        errors = {"401": ref("responses", "Unauthorized"), "404": ref("responses", "NotFound"), "429": ref("responses", "RateLimited")}
        list_headers = {"Link": ref("headers", "Link"), "X-Total-Count": ref("headers", "TotalCount")}
        paths[base] = {
            "parameters": [ref("parameters", "OrgId")],
            "get": {
                "operationId": op_id("list", name),
                "summary": f"List {name.replace('_', ' ')}s",
                "tags": [Name],
                "parameters": common + [ref("parameters", p) for p in ["Page", "PerPage", "Cursor", "Sort", "Direction", "Since", "Include"]],
                "responses": {"200": {"description": "A page.", "headers": list_headers, "content": {"application/json": {"schema": sref(f"{Name}Page")}}}, **errors},
            },
            "post": {
                "operationId": op_id("create", name),
                "summary": f"Create a {name.replace('_', ' ')}",
                "tags": [Name],
                "parameters": common,
                "requestBody": ref("requestBodies", f"{Name}Body"),
                "responses": {"201": {"description": "Created.", "content": {"application/json": {"schema": one}}}, "422": ref("responses", "ValidationFailed"), **errors},
            },
        }
        paths[item] = {
            "parameters": [ref("parameters", "OrgId"), id_param],
            "get": {"operationId": op_id("get", name), "summary": f"Show a {name.replace('_', ' ')}", "tags": [Name], "parameters": common + [ref("parameters", "Include")], "responses": {"200": {"description": "The item.", "content": {"application/json": {"schema": one}}}, **errors}},
            "put": {"operationId": op_id("update", name), "summary": f"Update a {name.replace('_', ' ')}", "tags": [Name], "parameters": common, "requestBody": ref("requestBodies", f"{Name}Body"), "responses": {"200": {"description": "Updated.", "content": {"application/json": {"schema": one}}}, "422": ref("responses", "ValidationFailed"), **errors}},
            "patch": {"operationId": op_id("patch", name), "summary": f"Change some fields of a {name.replace('_', ' ')}", "tags": [Name], "requestBody": {"content": {"application/merge-patch+json": {"schema": sref(f"{Name}Input")}}}, "responses": {"200": {"description": "Changed.", "content": {"application/json": {"schema": one}}}, **errors}},
            "delete": {"operationId": op_id("delete", name), "summary": f"Delete a {name.replace('_', ' ')}", "tags": [Name], "responses": {"204": {"description": "Deleted."}, **errors, "default": {"description": "Unexpected error.", "content": {"application/json": {"schema": sref("Error")}}}}},
        }
        paths[f"{base}/bulk"] = {
            "parameters": [ref("parameters", "OrgId")],
            "post": {
                "operationId": op_id("bulkCreate" if style == "camel" else "bulk_create", name),
                "summary": f"Create many {name.replace('_', ' ')}s",
                "tags": [Name],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": [f"{name}s"], "properties": {f"{name}s": {"type": "array", "maxItems": 100, "items": sref(f"{Name}Input")}}}}}},
                "responses": {"200": {"description": "All were created at once.", "content": {"application/json": {"schema": sref(f"{Name}Page")}}}, "202": ref("responses", "Accepted"), **errors},
            },
            "delete": {
                "operationId": op_id("bulkDelete" if style == "camel" else "bulk_delete", name),
                "summary": f"Delete many {name.replace('_', ' ')}s",
                "tags": [Name],
                "parameters": [{"name": "ids", "in": "query", "required": True, "style": "form", "explode": False, "schema": {"type": "array", "maxItems": 100, "items": {"type": "integer", "format": "int64"}}}],
                "responses": {"202": ref("responses", "Accepted"), **errors},
            },
        }
        paths[f"{item}/audits"] = {
            "parameters": [ref("parameters", "OrgId"), id_param],
            "get": {"operationId": op_id("listAudits" if style == "camel" else "list_audits", name), "summary": f"Audit trail of a {name.replace('_', ' ')}", "tags": [Name], "parameters": [ref("parameters", "Cursor"), ref("parameters", "PerPage")], "responses": {"200": {"description": "Audits.", "content": {"application/json": {"schema": {"type": "object", "properties": {"audits": {"type": "array", "items": sref("AuditLog")}, "after_cursor": {"type": "string", "nullable": True}}}}}}, **errors}},
        }
        if i % 2 == 0:
            paths[f"{item}/attachments"] = {
                "parameters": [ref("parameters", "OrgId"), id_param],
                "post": {"operationId": op_id("upload", f"{name}_attachment"), "summary": "Attach a file", "tags": [Name], "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}, "filename": {"type": "string"}}}}}}, "responses": {"201": {"description": "Attached.", "content": {"application/json": {"schema": sref("Attachment")}}}, **errors}},
            }
        if i % 3 == 0:
            paths[f"{base}/export"] = {
                "parameters": [ref("parameters", "OrgId")],
                "get": {"operationId": op_id("export", name), "summary": f"Export {name.replace('_', ' ')}s as CSV", "tags": [Name], "parameters": [ref("parameters", "Since")], "responses": {"200": {"description": "The export.", "content": {"text/csv": {"schema": {"type": "string"}}}}, "202": ref("responses", "Accepted"), **errors}},
            }
    # Nested sub-resources, GitHub style.
    paths["/orgs/{org_id}/teams/{team_slug}/members/{username}"] = {
        "parameters": [ref("parameters", "OrgId"), {"name": "team_slug", "in": "path", "required": True, "schema": {"type": "string"}}, {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}],
        "get": {"operationId": "teams/get-membership-for-user", "summary": "Get team membership", "responses": {"200": {"description": "The membership.", "content": {"application/json": {"schema": {"type": "object", "required": ["role", "state"], "properties": {"role": {"type": "string", "enum": ["member", "maintainer"]}, "state": {"type": "string", "enum": ["active", "pending"]}, "url": {"type": "string", "format": "uri"}}}}}}, "404": ref("responses", "NotFound")}},
        "put": {"operationId": "teams/add-or-update-membership-for-user", "summary": "Add or update team membership", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"role": {"type": "string", "enum": ["member", "maintainer"], "default": "member"}}}}}}, "responses": {"200": {"description": "Updated.", "content": {"application/json": {"schema": {"type": "object", "properties": {"role": {"type": "string"}, "state": {"type": "string"}}}}}}, "403": {"description": "Forbidden"}, "422": {"description": "Unprocessable"}}},
        "delete": {"operationId": "teams/remove-membership-for-user", "summary": "Remove team membership", "responses": {"204": {"description": "Removed."}, "403": {"description": "Forbidden"}}},
    }
    paths["/orgs/{org_id}/repositories/{repo}/issues/{issue_number}/comments/{comment_id}/reactions"] = {
        "parameters": [ref("parameters", "OrgId"), {"name": "repo", "in": "path", "required": True, "schema": {"type": "string"}}, {"name": "issue_number", "in": "path", "required": True, "schema": {"type": "integer"}}, {"name": "comment_id", "in": "path", "required": True, "schema": {"type": "integer", "format": "int64"}}],
        "get": {"operationId": "reactions/list-for-issue-comment", "summary": "List reactions for an issue comment", "parameters": [{"name": "content", "in": "query", "schema": {"type": "string", "enum": ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]}}, ref("parameters", "PerPage"), ref("parameters", "Page")], "responses": {"200": {"description": "Reactions.", "headers": {"Link": ref("headers", "Link")}, "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object", "required": ["id", "content"], "properties": {"id": {"type": "integer", "format": "int64"}, "content": {"type": "string"}, "user": {"nullable": True, "allOf": [sref("User")]}}}}}}}, "404": ref("responses", "NotFound")}},
        "post": {"operationId": "reactions/create-for-issue-comment", "summary": "Create a reaction", "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["content"], "properties": {"content": {"type": "string", "enum": ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]}}}}}}, "responses": {"200": {"description": "Already there.", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}}}}}}, "201": {"description": "Created.", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}, "created_at": {"type": "string", "format": "date-time"}}}}}}}},
    }
    schemas["WebhookEvent"] = {
        "description": "A delivery: `type` names the event.",
        "oneOf": [{"type": "object", "required": ["type", n], "properties": {"type": {"type": "string", "enum": [f"{n}.{e}"]}, n: sref(camel(n))}} for n in ["ticket", "user", "organization"] for e in ["created", "updated"]],
    }
    paths["/orgs/{org_id}/webhook-deliveries/{delivery_id}"] = {
        "parameters": [ref("parameters", "OrgId"), {"name": "delivery_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "get": {"operationId": "getWebhookDelivery", "summary": "A webhook delivery with its payload", "responses": {"200": {"description": "The delivery.", "content": {"application/json": {"schema": {"type": "object", "required": ["id", "event"], "properties": {"id": {"type": "string"}, "event": sref("WebhookEvent"), "response": {"type": "object", "properties": {"status": {"type": "integer"}, "headers": {"type": "object", "additionalProperties": {"type": "string"}}, "body": {"type": "string"}}}}}}}}, "404": ref("responses", "NotFound")}},
    }
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "Helpdesk and CRM Platform", "version": "2.0.0", "description": "Tickets, people, pipelines and code collaboration: a large SaaS API."},
        "servers": [{"url": "https://{subdomain}.helpdesk.example/api/v2", "variables": {"subdomain": {"default": "acme"}}}],
        "security": [{"bearer": []}, {"basic": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, "basic": {"type": "http", "scheme": "basic"}},
            "parameters": params,
            "headers": headers,
            "responses": responses,
            "requestBodies": request_bodies,
            "schemas": dict(sorted(schemas.items())),
        },
    }
    write(
        "saas-large.yaml",
        [
            "A large help-desk/CRM/code-collaboration API in the styles of Zendesk,",
            "HubSpot and GitHub's REST APIs, written for Dialtone's corpus. Generated",
            "by tests/corpus/gen/corpus.py: do not edit by hand.",
        ],
        spec,
    )


if __name__ == "__main__":
    dropshot()
    saas_large()
