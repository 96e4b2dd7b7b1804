"""The PEP 517 / PEP 660 build backend of the linea package, with no build
dependencies: pip's isolated build environment needs nothing downloaded, so
`pip install ./python` works offline. It writes a pure-Python wheel from
pyproject.toml's [project] table and the modules under linea/, or an
editable wheel that puts this source folder on sys.path.

The wheel also records where this source tree's compiler is
(linea/_install.py): an installed package finds linea-compile without
LINEA_BUILD_DIR when it was installed from a built tree.
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

import tomllib

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _project():
    """pyproject.toml's [project], its version from linea.__version__."""
    with open(os.path.join(SOURCE, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    with open(os.path.join(SOURCE, "linea", "__init__.py")) as f:
        project["version"] = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)
    return project


def _dist_name(project):
    return "%s-%s" % (project["name"].replace("-", "_"), project["version"])


def _metadata(project):
    lines = ["Metadata-Version: 2.1", "Name: " + project["name"],
             "Version: " + project["version"]]
    if "description" in project:
        lines.append("Summary: " + project["description"])
    if "requires-python" in project:
        lines.append("Requires-Python: " + project["requires-python"])
    lines += ["Requires-Dist: " + d for d in project.get("dependencies", [])]
    return ("\n".join(lines) + "\n").encode()


def _module_files():
    """(name in the wheel, bytes) of every module of the package."""
    files = []
    root = os.path.join(SOURCE, "linea")
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py") and name != "_install.py":
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    files.append((os.path.relpath(path, SOURCE).replace(os.sep, "/"), f.read()))
    return files


def _install_record():
    """linea/_install.py: the build trees that hold linea-compile now."""
    dirs = []
    for build in (os.environ.get("LINEA_BUILD_DIR"), os.path.join(SOURCE, "..", "build")):
        if build and os.access(os.path.join(build, "bin", "linea-compile"), os.X_OK):
            dirs.append(os.path.abspath(os.path.join(build, "bin")))
    text = ('"""Written by the build backend: where linea-compile was when this '
            'package was built."""\n\nCOMPILER_DIRS = %r\n' % dirs)
    return ("linea/_install.py", text.encode())


def _wheel(wheel_directory, files):
    project = _project()
    dist = _dist_name(project)
    info = dist + ".dist-info"
    files = list(files) + [
        (info + "/METADATA", _metadata(project)),
        (info + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: linea_backend\n"
                          b"Root-Is-Purelib: true\nTag: py3-none-any\n")]
    scripts = project.get("scripts", {})
    if scripts:
        files.append((info + "/entry_points.txt", ("[console_scripts]\n" + "".join(
            "%s = %s\n" % item for item in sorted(scripts.items()))).encode()))
    record = []
    for name, data in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append("%s,sha256=%s,%d" % (name, digest.decode(), len(data)))
    record.append(info + "/RECORD,,")
    wheel = dist + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(name, data)
        z.writestr(info + "/RECORD", "\n".join(record) + "\n")
    return wheel


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, _module_files() + [_install_record()])


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # A .pth line puts the source folder on sys.path: edits take effect at once.
    return _wheel(wheel_directory, [("linea_editable.pth", (SOURCE + "\n").encode())])


def build_sdist(sdist_directory, config_settings=None):
    dist = _dist_name(_project())
    name = dist + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as tar:
        paths = ["pyproject.toml", os.path.join("backend", "linea_backend.py")]
        paths += [n for n, _ in _module_files()]
        for path in paths:
            tar.add(os.path.join(SOURCE, path), arcname=os.path.join(dist, path))
        info = tarfile.TarInfo(os.path.join(dist, "PKG-INFO"))
        data = _metadata(_project())
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return name
