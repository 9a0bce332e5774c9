# Tests of settings_doc.py: the README's settings table is the one the
# declarations make (regenerate it with the command the failure prints), and
# `./tenantry help` shows every declared setting.
import os
import subprocess
import unittest

import fakes
from tenantry_cluster import settings, settings_doc


class ReadmeTest(unittest.TestCase):
    def test_the_readme_table_is_the_declared_settings(self):
        with open(os.path.join(fakes.ROOT, "README.md"), encoding="utf-8") as f:
            region = settings_doc.readme_region(f.read())
        self.assertIsNotNone(region, f"README.md has no {settings_doc.BEGIN} ... {settings_doc.END}")
        self.assertEqual(region, settings_doc.readme_table(),
                         "README.md's settings table differs from deploy/cluster/tenantry_cluster/settings.py; "
                         "regenerate it: python3 deploy/cluster settings-table --write README.md")

    def test_the_table_is_replaced_between_the_markers_only(self):
        text = f"before\n{settings_doc.BEGIN}\nold\n{settings_doc.END}\nafter\n"
        self.assertEqual(settings_doc.replace_region(text), f"before\n{settings_doc.readme_table()}after\n")
        with self.assertRaises(ValueError):
            settings_doc.replace_region("no markers")


class HelpTest(unittest.TestCase):
    def test_tenantry_help_lists_every_setting(self):
        out = subprocess.run(["bash", os.path.join(fakes.ROOT, "tenantry"), "help"], capture_output=True,
                             text=True, check=True).stdout
        self.assertIn(settings_doc.help_text(), out)
        for s in settings.CLUSTER + settings.COMMAND:
            self.assertIn(f"\n  {s.name} ", out)
            self.assertIn(f"[{s.default}]", out)


if __name__ == "__main__":
    unittest.main()
