"""Lets TorchSharp 0.107's libLibTorchSharp.so load on a libstdc++ older than GCC 13's (Debian 12: GCC 12).

The library is built with GCC 13, whose <iostream> puts an undefined symbol std::ios_base_library_init() into every
object that includes it, only so that the object needs the version GLIBCXX_3.4.32 and so gets a libstdc++ that
initialises the standard streams itself. Nothing calls the symbol (no relocation names it), but the dynamic loader
refuses a library whose needed version is missing, and TorchSharp reports that as "no reference to
libtorch-cpu-linux-x64". This script marks that one version need weak (VER_FLG_WEAK in .gnu.version_r), which the
loader accepts when the version is absent; every other need, and every byte of code, stays as it is. The standard
streams are still initialised: libtorch_cpu.so, loaded first, was built with an older GCC whose <iostream> constructs
std::ios_base::Init in each object.

Usage: python3 weaken_glibcxx_need.py <libLibTorchSharp.so> [version, default GLIBCXX_3.4.32]
Patches the file in place (run it on the build output's copy, never on the NuGet cache); does nothing when the system
libstdc++ already has the version or the need is already weak.
"""
import struct, sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def system_has(version):
    path = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"
    try:
        with open(path, "rb") as f:
            return version.encode() + b"\0" in f.read()
    except OSError:
        return False


def weaken(path, version):
    with open(path, "r+b") as f:
        elf = bytearray(f.read())
        if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
            sys.exit(f"{path}: not a little-endian 64-bit ELF file")
        shoff, = struct.unpack_from("<Q", elf, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
        verneed = next((s for s in sections if s[1] == SHT_GNU_VERNEED), None)
        if verneed is None:
            sys.exit(f"{path}: no .gnu.version_r section")
        strtab = sections[verneed[6]][4]   # sh_link: the string table's file offset
        name = lambda offset: elf[strtab + offset:elf.index(b"\0", strtab + offset)].decode()
        entry = verneed[4]
        while True:
            _, count, _, aux, next_entry = struct.unpack_from("<HHIII", elf, entry)
            at = entry + aux
            for _ in range(count):
                _, flags, _, name_offset, next_aux = struct.unpack_from("<IHHII", elf, at)
                if name(name_offset) == version:
                    if flags & VER_FLG_WEAK:
                        return "already weak"
                    struct.pack_into("<H", elf, at + 4, flags | VER_FLG_WEAK)
                    f.seek(0)
                    f.write(elf)
                    return "marked weak"
                at += next_aux
            if next_entry == 0:
                return "not needed"
            entry += next_entry


if __name__ == "__main__":
    target, version = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "GLIBCXX_3.4.32"
    if system_has(version):
        print(f"{target}: the system libstdc++ has {version}; left as it is")
    else:
        print(f"{target}: need of {version}: {weaken(target, version)}")
