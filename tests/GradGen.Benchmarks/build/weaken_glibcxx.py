#!/usr/bin/env python3
"""Marks one symbol-version requirement of an ELF shared library weak (VER_FLG_WEAK), in place.

libLibTorchSharp.so in TorchSharp-cpu 0.107 requires GLIBCXX_3.4.32 for a single symbol it only references
(std::ios_base_library_init, never called); Debian 12's libstdc++ ends at GLIBCXX_3.4.30, so the loader refuses the
library. A weak version requirement is checked but not enforced, and the library loads. Run on the COPY in the build
output only (never on the NuGet package cache). Idempotent: an entry already weak is left as it is.

usage: weaken_glibcxx.py <library.so> [version=GLIBCXX_3.4.32]
"""
import os
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def write_replacing(path, data):
    """Writes a new file and renames it over path: a hard link to the package cache is replaced, never written through."""
    temporary = path + '.weakening'
    with open(temporary, 'wb') as f:
        f.write(data)
    os.chmod(temporary, os.stat(path).st_mode)
    os.replace(temporary, path)


def weaken(path, version):
    with open(path, 'rb') as f:
        data = bytearray(f.read())
        if data[:4] != b'\x7fELF' or data[4] != 2 or data[5] != 1:
            sys.exit(f'{path}: not a little-endian 64-bit ELF file')
        shoff, = struct.unpack_from('<Q', data, 0x28)
        shentsize, shnum = struct.unpack_from('<HH', data, 0x3A)
        sections = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
        for (_, sh_type, _, _, offset, _, link, info, _, _) in sections:
            if sh_type != SHT_GNU_VERNEED:
                continue
            strtab = sections[link][4]
            need = offset
            for _ in range(info):
                _, cnt, _, aux, nxt = struct.unpack_from('<HHIII', data, need)
                entry = need + aux
                for _ in range(cnt):
                    _, flags, _, name, anext = struct.unpack_from('<IHHII', data, entry)
                    start = strtab + name
                    text = data[start:data.index(b'\0', start)].decode()
                    if text == version:
                        if flags & VER_FLG_WEAK:
                            print(f'{path}: {version} already weak')
                            return
                        struct.pack_into('<H', data, entry + 4, flags | VER_FLG_WEAK)
                        write_replacing(path, data)
                        print(f'{path}: {version} marked weak')
                        return
                    entry += anext
                need += nxt
        print(f'{path}: no {version} requirement (nothing to do)')


if __name__ == '__main__':
    weaken(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else 'GLIBCXX_3.4.32')
