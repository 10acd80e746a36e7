"""Maintainer tool: extract messages, update the ja/en catalogs, and fill ja from a dict file.

    .venv/bin/python scripts/i18n_fill.py [translations.py]

The dict file defines JA = {msgid: Japanese}. Without it, only extract and update run.
Untranslated ja entries are listed so none slips through.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "salesdesk" / "i18n"
POT = I18N / "messages.pot"


def main() -> None:
    babel = str(ROOT / ".venv" / "bin" / "pybabel")
    subprocess.run(
        [
            babel,
            "extract",
            "-F",
            str(I18N / "babel.cfg"),
            "-o",
            str(POT),
            "--no-location",
            "--sort-output",
            "-k",
            "N_",
            "--ignore-dirs=.venv node_modules",
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    for locale in ("ja", "en"):
        po = I18N / "locales" / locale / "LC_MESSAGES" / "messages.po"
        command = "update" if po.exists() else "init"
        # No fuzzy matching: Babel's guesses for new strings are wrong more often than not (it once showed
        # "Deal" as メール); an untranslated string falls back to readable English instead.
        subprocess.run(
            [babel, command, "-i", str(POT), "-d", str(I18N / "locales"), "-l", locale, "--no-wrap"]
            + (["--ignore-obsolete", "--no-fuzzy-matching"] if command == "update" else []),
            check=True,
            capture_output=True,
        )
    ja_po = I18N / "locales" / "ja" / "LC_MESSAGES" / "messages.po"
    with ja_po.open("rb") as fh:
        catalog = read_po(fh, locale="ja")
    table = runpy.run_path(sys.argv[1])["JA"] if len(sys.argv) > 1 else {}
    missing = []
    for message in catalog:
        if not message.id:
            continue
        if message.id in table:
            message.string = table[message.id]
            message.flags.discard("fuzzy")
        elif not message.string or message.fuzzy:
            missing.append(message.id)
    with ja_po.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False)
    for msgid in missing:
        print(f"untranslated (ja): {msgid!r}")


if __name__ == "__main__":
    main()
