//! Mach-O core files (`MH_CORE`, as macOS writes for a crashed process):
//! each `LC_SEGMENT`/`LC_SEGMENT_64` command is a memory region at its
//! address with its protection, and the region holding a thread's stack
//! pointer (from `LC_THREAD`, x86-64 and arm64 thread states) is a stack.

use super::{ContainerKind, MemoryMap, Region, RegionKind, rwx};
use goblin::mach::load_command::CommandVariant;

/// Whether `bytes` are a Mach-O core (either width, either byte order).
pub fn is_macho_core(bytes: &[u8]) -> bool {
    let Ok((_, Some(ctx))) = goblin::mach::parse_magic_and_ctx(bytes, 0) else {
        return false;
    };
    let filetype = crate::bytes::le_u32(bytes, 12).map(|t| {
        if ctx.le.is_little() {
            t
        } else {
            t.swap_bytes()
        }
    });
    filetype == Some(goblin::mach::header::MH_CORE)
}

/// Most segments read.
const MAX_SEGMENTS: usize = 1 << 18;

/// The map of a Mach-O core.
pub fn map(bytes: &[u8]) -> MemoryMap {
    let mut map = MemoryMap::raw(0, ContainerKind::MachOCore, Vec::new());
    let macho = match goblin::mach::MachO::parse_lossy(bytes, 0) {
        Ok(m) => m,
        Err(e) => {
            map.incomplete.push(format!(
                "the Mach-O core's load commands are unreadable ({e}): scanned as plain bytes, without addresses"
            ));
            return super::normalize(map, bytes.len() as u64);
        }
    };
    for s in macho.segments.iter().take(MAX_SEGMENTS) {
        if s.filesize == 0 {
            continue;
        }
        let p = s.initprot;
        map.regions.push(Region {
            file_offset: s.fileoff,
            len: s.filesize,
            vaddr: Some(s.vmaddr),
            kind: RegionKind::Anonymous,
            name: None,
            perms: Some(rwx(p & 1 != 0, p & 2 != 0, p & 4 != 0)),
        });
    }
    let cputype = macho.header.cputype;
    for cmd in &macho.load_commands {
        let CommandVariant::Thread(t) = &cmd.command else {
            continue;
        };
        let word = |i: usize| -> Option<u64> {
            let lo = *t.thread_state.get(i)?;
            let hi = *t.thread_state.get(i + 1)?;
            Some(u64::from(lo) | (u64::from(hi) << 32))
        };
        // x86_THREAD_STATE64: rsp is the 8th register; ARM_THREAD_STATE64: sp the 32nd
        let sp = match cputype {
            goblin::mach::cputype::CPU_TYPE_X86_64 => word(14),
            goblin::mach::cputype::CPU_TYPE_ARM64 => word(62),
            _ => None,
        };
        if let Some(sp) = sp
            && let Some(r) = map.regions.iter_mut().find(|r| {
                r.vaddr
                    .is_some_and(|v| v <= sp && sp < v.saturating_add(r.len))
            })
        {
            r.kind = RegionKind::Stack;
        }
    }
    super::normalize(map, bytes.len() as u64)
}
