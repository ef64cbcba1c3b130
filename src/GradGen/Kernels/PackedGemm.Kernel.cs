using System;
using System.Runtime.CompilerServices;

namespace GradGen;

/// <summary>
/// <see cref="PackedGemm{T, TV, TS}"/>'s micro-kernel and its stores: one MR × NR tile of C from a strip of A and a packed
/// panel of B, and the epilogue (bias, ReLU) applied as each element's whole sum is stored.
/// </summary>
internal static unsafe partial class PackedGemm<T, TV, TS>
    where T : unmanaged
    where TV : struct
    where TS : struct, ISimd<T, TV>
{
    /// <summary>
    /// C tile [rows × cols] (+)= A strip (rows × kc, strided) · packed panel (kc × NR). Missing rows re-read row 0 and are
    /// discarded; a tile narrower than the panel goes through a stack buffer (its first whole vector per row stored as one). Rows 6–11 exist only in the 12-row instantiations (the
    /// JIT folds <c>TS.Rows</c> to a constant and drops them elsewhere).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(int kc, T* a, nint aRow, nint aInner, T* b, T* c, nint ldc, int rows, int cols, bool overwrite, T* bias, bool relu)
    {
        int v = TS.Count;
        bool tall = TS.Rows > 6;
        T* a0 = a;
        T* a1 = a + (rows > 1 ? aRow : 0);
        T* a2 = a + (rows > 2 ? 2 * aRow : 0);
        T* a3 = a + (rows > 3 ? 3 * aRow : 0);
        T* a4 = a + (rows > 4 ? 4 * aRow : 0);
        T* a5 = a + (rows > 5 ? 5 * aRow : 0);
        T* a6 = a, a7 = a, a8 = a, a9 = a, a10 = a, a11 = a;
        if (tall)
        {
            a6 = a + (rows > 6 ? 6 * aRow : 0);
            a7 = a + (rows > 7 ? 7 * aRow : 0);
            a8 = a + (rows > 8 ? 8 * aRow : 0);
            a9 = a + (rows > 9 ? 9 * aRow : 0);
            a10 = a + (rows > 10 ? 10 * aRow : 0);
            a11 = a + (rows > 11 ? 11 * aRow : 0);
        }
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TV c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        TV c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        TV c90 = default, c91 = default, cA0 = default, cA1 = default, cB0 = default, cB1 = default;
        nint o = 0;
        for (int p = 0; p < kc; p++, o += aInner, b += 2 * v)
        {
            TV b0 = TS.Load(b), b1 = TS.Load(b + v);
            TV x = TS.Broadcast(a0 + o);
            c00 = TS.MultiplyAdd(x, b0, c00); c01 = TS.MultiplyAdd(x, b1, c01);
            x = TS.Broadcast(a1 + o);
            c10 = TS.MultiplyAdd(x, b0, c10); c11 = TS.MultiplyAdd(x, b1, c11);
            x = TS.Broadcast(a2 + o);
            c20 = TS.MultiplyAdd(x, b0, c20); c21 = TS.MultiplyAdd(x, b1, c21);
            x = TS.Broadcast(a3 + o);
            c30 = TS.MultiplyAdd(x, b0, c30); c31 = TS.MultiplyAdd(x, b1, c31);
            x = TS.Broadcast(a4 + o);
            c40 = TS.MultiplyAdd(x, b0, c40); c41 = TS.MultiplyAdd(x, b1, c41);
            x = TS.Broadcast(a5 + o);
            c50 = TS.MultiplyAdd(x, b0, c50); c51 = TS.MultiplyAdd(x, b1, c51);
            if (tall)
            {
                x = TS.Broadcast(a6 + o);
                c60 = TS.MultiplyAdd(x, b0, c60); c61 = TS.MultiplyAdd(x, b1, c61);
                x = TS.Broadcast(a7 + o);
                c70 = TS.MultiplyAdd(x, b0, c70); c71 = TS.MultiplyAdd(x, b1, c71);
                x = TS.Broadcast(a8 + o);
                c80 = TS.MultiplyAdd(x, b0, c80); c81 = TS.MultiplyAdd(x, b1, c81);
                x = TS.Broadcast(a9 + o);
                c90 = TS.MultiplyAdd(x, b0, c90); c91 = TS.MultiplyAdd(x, b1, c91);
                x = TS.Broadcast(a10 + o);
                cA0 = TS.MultiplyAdd(x, b0, cA0); cA1 = TS.MultiplyAdd(x, b1, cA1);
                x = TS.Broadcast(a11 + o);
                cB0 = TS.MultiplyAdd(x, b0, cB0); cB1 = TS.MultiplyAdd(x, b1, cB1);
            }
        }

        int nr = 2 * v;
        if (cols == nr)
        {
            // Whole panel: each row of the tile straight to C (a short strip, the last of C's rows, stores only its rows).
            Store(c, c00, c01, overwrite, bias, relu);
            if (rows > 1) Store(c + ldc, c10, c11, overwrite, bias, relu);
            if (rows > 2) Store(c + 2 * ldc, c20, c21, overwrite, bias, relu);
            if (rows > 3) Store(c + 3 * ldc, c30, c31, overwrite, bias, relu);
            if (rows > 4) Store(c + 4 * ldc, c40, c41, overwrite, bias, relu);
            if (rows > 5) Store(c + 5 * ldc, c50, c51, overwrite, bias, relu);
            if (tall)
            {
                if (rows > 6) Store(c + 6 * ldc, c60, c61, overwrite, bias, relu);
                if (rows > 7) Store(c + 7 * ldc, c70, c71, overwrite, bias, relu);
                if (rows > 8) Store(c + 8 * ldc, c80, c81, overwrite, bias, relu);
                if (rows > 9) Store(c + 9 * ldc, c90, c91, overwrite, bias, relu);
                if (rows > 10) Store(c + 10 * ldc, cA0, cA1, overwrite, bias, relu);
                if (rows > 11) Store(c + 11 * ldc, cB0, cB1, overwrite, bias, relu);
            }
            return;
        }

        T* tile = stackalloc T[12 * 32];
        TS.Store(c00, tile); TS.Store(c01, tile + v);
        TS.Store(c10, tile + nr); TS.Store(c11, tile + nr + v);
        TS.Store(c20, tile + 2 * nr); TS.Store(c21, tile + 2 * nr + v);
        TS.Store(c30, tile + 3 * nr); TS.Store(c31, tile + 3 * nr + v);
        TS.Store(c40, tile + 4 * nr); TS.Store(c41, tile + 4 * nr + v);
        TS.Store(c50, tile + 5 * nr); TS.Store(c51, tile + 5 * nr + v);
        if (tall)
        {
            TS.Store(c60, tile + 6 * nr); TS.Store(c61, tile + 6 * nr + v);
            TS.Store(c70, tile + 7 * nr); TS.Store(c71, tile + 7 * nr + v);
            TS.Store(c80, tile + 8 * nr); TS.Store(c81, tile + 8 * nr + v);
            TS.Store(c90, tile + 9 * nr); TS.Store(c91, tile + 9 * nr + v);
            TS.Store(cA0, tile + 10 * nr); TS.Store(cA1, tile + 10 * nr + v);
            TS.Store(cB0, tile + 11 * nr); TS.Store(cB1, tile + 11 * nr + v);
        }
        for (int r = 0; r < rows; r++)
        {
            T* row = c + r * ldc;
            T* t = tile + r * nr;
            // The first whole vector of the row as a vector store (as a whole panel's), the rest value by value.
            int done = 0;
            if (cols >= v)
            {
                StoreVector(row, TS.Load(t), overwrite, bias, relu);
                done = v;
            }
            if (overwrite && bias == null && !relu) new ReadOnlySpan<T>(t + done, cols - done).CopyTo(new Span<T>(row + done, cols - done));
            else StoreValues(row, t, done, cols, overwrite, bias, relu);
        }
    }

    /// <summary>One vector of a tile row stored: the sums (added to C's values unless overwriting), plus the bias, then ReLU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector(T* at, TV x, bool overwrite, T* bias, bool relu)
    {
        if (!overwrite) x = TS.Add(x, TS.Load(at));
        if (bias != null) x = TS.Add(x, TS.Load(bias));
        if (relu) x = TS.Max(x, default);
        TS.Store(x, at);
    }

    /// <summary>Values [from, to) of a tile row held in <paramref name="sums"/>, stored as <see cref="StoreVector"/> stores a vector.</summary>
    private static void StoreValues(T* row, T* sums, int from, int to, bool overwrite, T* bias, bool relu)
    {
        if (typeof(T) == typeof(float))
        {
            float* r = (float*)row, t = (float*)sums, b = (float*)bias;
            for (int j = from; j < to; j++)
            {
                float x = overwrite ? t[j] : t[j] + r[j];
                if (b != null) x += b[j];
                r[j] = relu ? MathF.Max(x, 0f) : x;
            }
        }
        else
        {
            double* r = (double*)row, t = (double*)sums, b = (double*)bias;
            for (int j = from; j < to; j++)
            {
                double x = overwrite ? t[j] : t[j] + r[j];
                if (b != null) x += b[j];
                r[j] = relu ? Math.Max(x, 0d) : x;
            }
        }
    }

    /// <summary>One tile row's store: its sums (added to C's values unless overwriting), plus the bias, then ReLU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, TV low, TV high, bool overwrite, T* bias, bool relu)
    {
        StoreVector(row, low, overwrite, bias, relu);
        StoreVector(row + TS.Count, high, overwrite, bias == null ? null : bias + TS.Count, relu);
    }
}
