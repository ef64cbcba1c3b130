using System;
using System.Runtime.CompilerServices;

namespace GradGen;

/// <summary>The kernels' per-thread scratch memory: pinned arrays that grow and are never given back.</summary>
internal static unsafe class PinnedBuffer
{
    /// <summary>
    /// <paramref name="buffer"/> (a thread's pinned array), grown to at least <paramref name="length"/> elements, as a
    /// pointer aligned to 64 bytes. An array's data is only 8-byte aligned, and where a packed GEMM panel began decided,
    /// process by process, whether every other vector load of it split a cache line: the MLP's weight gradient took
    /// 186–200 µs in some processes and 350–360 µs in others until the buffers were aligned. In guard mode the buffer gets
    /// a canary zone before the aligned start and after the used length (<see cref="GuardZones"/>); <paramref name="owner"/>
    /// names it in a report.
    /// </summary>
    public static T* Get<T>(ref T[]? buffer, int length, string owner) where T : unmanaged
    {
        int slack = 64 / sizeof(T), guard = GuardZones.Enabled ? GuardZones.Zone : 0;
        var array = buffer;
        if (array is null || array.Length < length + slack + 2 * guard)
        {
            if (GuardZones.Enabled && array is not null) GuardZones.Retire(array);
            buffer = array = GC.AllocateUninitializedArray<T>(length + slack + 2 * guard, pinned: true);
        }
        T* first = (T*)Unsafe.AsPointer(ref array[0]);
        T* start = (T*)(((nint)(first + guard) + 63) & ~(nint)63);
        if (GuardZones.Enabled) GuardZones.Pinned(array, (int)(start - first), length, $"{owner} ({typeof(T).Name})");
        return start;
    }
}
