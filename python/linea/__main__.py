"""The `linea` command (also `python3 -m linea`).

    linea cache --info     where compiled libraries are kept, how many, how big
    linea cache --clear    removes them (only the files the cache made)
    linea version          the package's and the compiler's versions
"""

import argparse
import subprocess
import sys

from . import compiler


def _size(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return ("%d %s" if unit == "B" else "%.1f %s") % (n, unit)
        n /= 1024.0


def _cache(args):
    if args.clear:
        freed = compiler.clear_cache()
        print("linea cache: removed %s from %s" % (_size(freed), compiler.cache_dir(False)))
        return 0
    info = compiler.cache_info()
    print("cache directory: %s ($LINEA_CACHE_DIR, else ~/.cache/linea)" % info["dir"])
    print("libraries:       %d" % info["libraries"])
    print("failed modules:  %d (kept in failed/ for their diagnostics)" % info["failed"])
    print("size:            %s" % _size(info["bytes"]))
    return 0


def _version(args):
    from . import __version__
    print("linea (Python) %s" % __version__)
    try:
        tool = compiler._find_tool("linea-compile")
    except FileNotFoundError as e:
        print(e)
        return 1
    print(tool)
    return subprocess.run([tool, "--version"]).returncode


def main(argv=None):
    parser = argparse.ArgumentParser(prog="linea", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    cache = sub.add_parser("cache", help="the cache of compiled libraries")
    what = cache.add_mutually_exclusive_group()
    what.add_argument("--info", action="store_true", help="where it is and what it holds "
                      "(the default)")
    what.add_argument("--clear", action="store_true", help="remove the compiled libraries")
    cache.set_defaults(run=_cache)
    sub.add_parser("version", help="the package's and the compiler's versions").set_defaults(
        run=_version)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
