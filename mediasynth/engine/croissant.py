"""`croissant.json`: Croissant 1.0 metadata of an OUT (http://mlcommons.org/croissant/1.0).

The dataset's required properties (name, description, license, url, conformsTo), one
`cr:FileObject` for manifest.jsonl (with its sha256) and one `cr:FileSet` per media type
and split (the glob patterns of the dataset card's configs), and one `cr:RecordSet`
"outputs" whose fields are read from manifest.jsonl by JSON path: the output's path, its
split, class, kind, variant and source. Paths are relative to OUT (the `url` is "./"), so
an OUT describes itself wherever it is moved; nothing in it depends on the clock.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from pathlib import Path, PurePosixPath

CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs",
    "column": "cr:column", "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract",
    "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet", "format": "cr:format", "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath", "key": "cr:key",
    "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex",
    "repeated": "cr:repeated", "replace": "cr:replace", "sc": "https://schema.org/",
    "separator": "cr:separator", "source": "cr:source", "subField": "cr:subField",
    "transform": "cr:transform", "equivalentProperty": "cr:equivalentProperty",
    "samplingRate": "cr:samplingRate",
}
CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
MANIFEST_FIELDS = (("output", "sc:Text"), ("split", "sc:Text"), ("class", "sc:Text"),
                   ("kind", "sc:Text"), ("variant", "sc:Integer"), ("source", "sc:Text"))


def encoding_format(pattern: str) -> str:
    """The MIME type of a glob pattern's files (by suffix)."""
    suffix = PurePosixPath(pattern).suffix.lower()
    known = {".jsonl": "application/jsonlines", ".tar": "application/x-tar",
             ".webp": "image/webp", ".flac": "audio/flac", ".ogg": "audio/ogg",
             ".opus": "audio/ogg", ".mkv": "video/x-matroska", ".m4a": "audio/mp4"}
    return known.get(suffix) or mimetypes.types_map.get(suffix) or "application/octet-stream"


def croissant(out: Path, *, name: str, description: str, license_id: str, keywords: list[str],
              configs: list[dict], version: str) -> dict:
    """The Croissant document of OUT; `configs` are the dataset card's
    ({"config_name", "data_files": [{"split", "path": [patterns]}]})."""
    manifest = Path(out) / "manifest.jsonl"
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.is_file() else ""
    distribution: list[dict] = [{
        "@type": "cr:FileObject", "@id": "manifest.jsonl", "name": "manifest.jsonl",
        "description": "One JSON row per output: source, split, class, applied parameters, "
                       "seed, library versions, annotation.",
        "contentUrl": "manifest.jsonl", "encodingFormat": "application/jsonlines",
        "sha256": digest}]
    for config in configs:
        for files in config["data_files"]:
            by_format: dict[str, list[str]] = {}
            for pattern in files["path"]:
                by_format.setdefault(encoding_format(pattern), []).append(pattern)
            for fmt, patterns in sorted(by_format.items()):
                ident = f"{config['config_name']}-{files['split']}-{fmt.split('/')[-1]}"
                distribution.append({
                    "@type": "cr:FileSet", "@id": ident, "name": ident,
                    "description": f"{config['config_name']} files of split {files['split']}",
                    "encodingFormat": fmt, "includes": patterns})
    fields = [{"@type": "cr:Field", "@id": f"outputs/{key}", "name": key, "dataType": kind,
               "source": {"fileObject": {"@id": "manifest.jsonl"},
                          "extract": {"jsonPath": f"$.{key}"}}}
              for key, kind in MANIFEST_FIELDS]
    return {
        "@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": CONFORMS_TO,
        "name": name, "description": description, "license": license_id, "url": "./",
        "version": version, "keywords": keywords,
        "citeAs": f"{name}: a dataset made by mediasynth {version}; cite its sources too.",
        "creator": {"@type": "sc:Organization", "name": "mediasynth"},
        "distribution": distribution,
        "recordSet": [{"@type": "cr:RecordSet", "@id": "outputs", "name": "outputs",
                       "description": "The outputs listed in manifest.jsonl.",
                       "field": fields}],
    }


def write_text(doc: dict) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
