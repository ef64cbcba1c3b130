using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GradGen;

/// <summary>
/// Span reinterpretation for the float fast paths that take spans (transposes). The vector kernels themselves live in
/// <see cref="VectorRows{T, TV, TS}"/> (rows, element-wise, e^x) and <see cref="PackedGemm{T, TV, TS}"/>.
/// </summary>
internal static class VectorMath
{
    /// <summary>A span of T reinterpreted as float (the caller has checked typeof(T) == typeof(float)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<float> AsFloat<T>(Span<T> span) => MemoryMarshal.CreateSpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(span)), span.Length);

    /// <summary>A read-only span of T reinterpreted as float (the caller has checked typeof(T) == typeof(float)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<float> AsFloat<T>(ReadOnlySpan<T> span) => MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(span)), span.Length);
}
