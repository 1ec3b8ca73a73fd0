"""A toy output format, to show that a new way of storing an OUT is one module plus
registration: every split's outputs in one zip file, `OUT/<split>.zip` (`OUT/data.zip`
without splits). Nothing outside this module names it; importing it registers `zip`, and
`expand --format zip`, resume, the dataset card, the report and the data loader handle it.
docs/architecture.md shows this module as its worked example.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path, PurePosixPath

from mediasynth.core.output_format import (
    Finished,
    FinishedRun,
    register_output_format,
    unregister_output_format,
)
from mediasynth.engine import manifest as M
from mediasynth.io.atomic import TEMP_PREFIX


class ZipFormat:
    name = "zip"
    summary = "every split's outputs in one zip file OUT/<split>.zip"
    loose = False  # rows name a zip and a member, not a media file

    def finish(self, run: FinishedRun) -> Finished:
        """Pack the ok rows' loose files into one zip a split (members `<row id>.<ext>`,
        a fixed date so the same run gives the same bytes; a resumed row's member is read
        from the previous zip), then rewrite the manifest to name them."""
        rows, archives = [], {}
        for row, _, _ in M.scan(run.out):
            if row.get("status") == "ok" and row.get("output"):
                planned = row.get("planned_output") or row["output"]
                data = (self.output_bytes(run.out, row) if self.holds(row)
                        else (run.out / row["output"]).read_bytes())
                member = f"{row['id']}{PurePosixPath(planned).suffix}"
                archive = f"{row.get('split') or 'data'}.zip"
                if archive not in archives:
                    temp = run.out / f"{TEMP_PREFIX}{archive}"
                    archives[archive] = (temp, zipfile.ZipFile(temp, "w", zipfile.ZIP_STORED))
                info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
                archives[archive][1].writestr(info, data)
                row = {**row, "output": archive, "member": member, "planned_output": planned}
            rows.append(row)
        for archive, (temp, zf) in archives.items():
            zf.close()
            temp.replace(run.out / archive)
        M.write_final(run.out, rows)
        return Finished(set(archives))

    def holds(self, row: dict) -> bool:
        return bool(row.get("member")) and str(row.get("output", "")).endswith(".zip")

    def output_bytes(self, out: Path, row: dict) -> bytes:
        with zipfile.ZipFile(out / row["output"]) as zf:
            return zf.read(row["member"])

    def stored_sha256(self, out: Path, row: dict, cache: dict) -> str | None:
        try:
            return hashlib.sha256(self.output_bytes(out, row)).hexdigest()
        except (OSError, KeyError, zipfile.BadZipFile):
            return None

    def card_files(self, row: dict) -> tuple[str, str] | None:
        return "default", f"{row.get('split') or 'data'}.zip"

    def plan_warnings(self, jobs: list) -> list[str]:
        return []


def register() -> ZipFormat:
    """Register the format (again, after a test removed it with `unregister`)."""
    return register_output_format(ZipFormat())


def unregister() -> None:
    unregister_output_format("zip")


register()
