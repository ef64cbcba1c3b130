using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

// Planning's rules for attention heads: the fused split and merge of the forward IR (FuseHeads, called by Fuse) and the
// tiling of the backward sweep (Tile, called by Plan after first-write).
internal static partial class Planner
{
    // ── fusion: attention heads ─────────────────────────────────────────────────────────────

    /// <summary>
    /// <b>split heads</b> — <c>s = Slice(x, axis, start, n); r = Reshape(s, shape); y = TransposeAxes(r, R−3, R−2)</c> with
    /// the slice along x's last axis, the reshape one axis longer (R = rank of x + 1: [.., T, W] → [.., T, NH, hs]) and s, r
    /// read by nothing else becomes <c>y = SplitHeads(x, axis, start, n, shape)</c>: each head row is copied once out of x,
    /// and its adjoint writes the slice of ∂L/∂x directly (its first write zero-fills the rest, so ∂L/∂x of a fused qkv needs
    /// no zero fill of its own). <b>merge heads</b> — <c>t = TransposeAxes(x, r−3, r−2); y = Reshape(t, shape)</c> with the
    /// reshape one axis shorter ([.., NH, T, hs] → [.., T, NH·hs]) and t read by nothing else becomes
    /// <c>y = MergeHeads(x, r−3, r−2, shape)</c>. Both are copies: bit for bit the chain, forward and backward (the runtime
    /// ops compute the chain as written where the shapes at run time are not the heads' layout).
    /// </summary>
    private static void FuseHeads(EquatableArray<Instruction> instructions, int[] uses, ref Instruction[]? fused)
    {
        foreach (var transpose in instructions)
        {
            if (transpose.Op != OpKind.TransposeAxes || transpose.Operands.Count != 3) continue;
            var reshape = instructions[transpose.Operands[0]];
            if (reshape.Op != OpKind.Reshape || reshape.Operands.Count != 2 || uses[reshape.Id] != 1 || reshape.Region != transpose.Region) continue;
            var slice = instructions[reshape.Operands[0]];
            if (slice.Op != OpKind.Slice || slice.Operands.Count != 4 || uses[slice.Id] != 1 || slice.Region != transpose.Region) continue;
            int rank = RankOf(slice.Shape), heads = RankOf(reshape.Shape);
            if (rank < 2 || heads != rank + 1 || Axis(instructions[slice.Operands[1]], rank) != rank - 1
                || !Swaps(instructions[transpose.Operands[1]], instructions[transpose.Operands[2]], heads, heads - 3)
                || ReadBetween(instructions, fused, slice.Id, transpose.Id, slice.Operands[0])) continue;
            fused ??= instructions.ToArray();
            var x = instructions[slice.Operands[0]];
            fused[transpose.Id] = transpose with
            {
                Op = OpKind.SplitHeads,
                Operands = new[] { x.Id, slice.Operands[1], slice.Operands[2], slice.Operands[3], reshape.Operands[1] }.ToEquatableArray(),
                Fused = "fused (planned): " + slice.Name + " = " + x.Name + "[" + Text(instructions[slice.Operands[2]]) + " .. " + Text(instructions[slice.Operands[2]]) + "+" + Text(instructions[slice.Operands[3]]) + ") along axis " +
                        Text(instructions[slice.Operands[1]]) + ", " + reshape.Name + " = reshape(" + slice.Name + ", " + instructions[reshape.Operands[1]].Name + ") and " + transpose.Name +
                        " = " + reshape.Name + " with axes " + (heads - 3) + " and " + (heads - 2) + " swapped as one copy of the heads out of " + x.Name +
                        " (no intermediates " + slice.Name + ", " + reshape.Name + "; the gradient written straight into ∂L/∂" + x.Name + ")",
            };
        }
        foreach (var reshape in instructions)
        {
            if (reshape.Op != OpKind.Reshape || reshape.Operands.Count != 2) continue;
            var transpose = instructions[reshape.Operands[0]];
            // A transpose the split rule took is no longer one.
            if (transpose.Op != OpKind.TransposeAxes || (fused?[transpose.Id].Op ?? transpose.Op) != OpKind.TransposeAxes || transpose.Operands.Count != 3
                || uses[transpose.Id] != 1 || transpose.Region != reshape.Region) continue;
            var x = instructions[transpose.Operands[0]];
            int rank = RankOf(x.Shape);
            if (rank < 3 || RankOf(reshape.Shape) != rank - 1 || !Swaps(instructions[transpose.Operands[1]], instructions[transpose.Operands[2]], rank, rank - 3)
                || ReadBetween(instructions, fused, transpose.Id, reshape.Id, x.Id)) continue;
            fused ??= instructions.ToArray();
            fused[reshape.Id] = reshape with
            {
                Op = OpKind.MergeHeads,
                Operands = new[] { x.Id, transpose.Operands[1], transpose.Operands[2], reshape.Operands[1] }.ToEquatableArray(),
                Fused = "fused (planned): " + transpose.Name + " = " + x.Name + " with axes " + (rank - 3) + " and " + (rank - 2) + " swapped and " + reshape.Name + " = reshape(" +
                        transpose.Name + ", " + instructions[reshape.Operands[1]].Name + ") as one copy joining the heads (no intermediate " + transpose.Name + ")",
            };
        }
    }

    /// <summary>The rank of a shape as the IR records it (<c>[B, T, 3*C]</c> → 3), or −1 when unknown.</summary>
    private static int RankOf(string? shape)
    {
        if (shape is null || !shape.StartsWith("[", System.StringComparison.Ordinal) || shape == "[]") return -1;
        return shape.Count(c => c == ',') + 1;
    }

    /// <summary>A literal axis normalised for the rank (−1 → rank − 1), or −1 when it is not a literal in range.</summary>
    private static int Axis(Instruction axis, int rank)
    {
        if (axis.Op != OpKind.Constant || !int.TryParse(axis.Constant, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var a)) return -1;
        if (a < 0) a += rank;
        return a >= 0 && a < rank ? a : -1;
    }

    /// <summary>Whether two literal axes are <paramref name="first"/> and first + 1 (in either order) of a tensor of the rank.</summary>
    private static bool Swaps(Instruction axis0, Instruction axis1, int rank, int first)
    {
        int a = Axis(axis0, rank), b = Axis(axis1, rank);
        return first >= 0 && a >= 0 && b >= 0 && System.Math.Min(a, b) == first && System.Math.Max(a, b) == first + 1;
    }

    /// <summary>How a passive operand reads in a comment: a literal's value, else its name.</summary>
    private static string Text(Instruction value) => value.Op == OpKind.Constant && value.Constant is { } constant ? constant : value.Name;

    // ── tiled slices ─────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// <b>tiled</b> — a gradient first written by a split of heads or a slice (<see cref="OpKind.SplitHeads"/>,
    /// <see cref="OpKind.Slice"/>: each zero-fills the rest of the buffer as it writes its range) into which, until the last
    /// of them, only other such splits write (an LSTM's four gates sliced out of one product): when their slices, as exact
    /// integer forms of the IR's values (literals, int parameters, sums and literal multiples, a value by itself), follow one
    /// another from 0 without gap or overlap (q, k, v at 0, C, 2·C), each writes its own range (<c>onlySlice</c>) instead of
    /// the first zero-filling the rest and the others adding — the same numbers (each element is written once, as 0 + x = x
    /// would have it). The axis's length is not proved to be the tiling's end (it may come from a member's unchecked
    /// <c>[Shape]</c>): the last slice also zeros what follows it (<c>clearAfter</c>; nothing, where the tiling fills the axis).
    /// </summary>
    private static List<BackwardStatement> Tile(List<BackwardStatement> statements, EquatableArray<Instruction> instructions)
    {
        var list = statements.Select(s => s switch
        {
            ReverseLoop loop => loop with { Body = Tile(loop.Body.ToList(), instructions).ToEquatableArray() },
            BranchBlock branch => branch with { Then = Tile(branch.Then.ToList(), instructions).ToEquatableArray(), Else = Tile(branch.Else.ToList(), instructions).ToEquatableArray() },
            _ => s,
        }).ToList();
        for (var first = 0; first < list.Count; first++)
        {
            if (list[first] is not RuleBlock start) continue;
            var declare = start.Statements.OfType<DeclareGradient>().FirstOrDefault(d => d.Uninitialized);
            if (declare is null || !start.Statements.Any(s => s is Accumulate { Store: Store.Write, Tiled: false } a && a.Target == declare.Name && IsSplit(a, instructions))) continue;
            var target = declare.Name;
            // The splits that write into the target, after the first, each in a rule block of this list.
            var members = new List<(int Block, Accumulate Write)>();
            for (var j = first; j < list.Count; j++)
            {
                if (list[j] is RuleBlock block && block.Statements.OfType<Accumulate>().FirstOrDefault(a => a.Target == target && IsSplit(a, instructions)) is { } write) members.Add((j, write));
            }
            var last = members[members.Count - 1].Block;
            // Until the last of them, nothing else names the target (no other contribution, no read).
            var alone = true;
            for (var j = first; j <= last && alone; j++)
            {
                Walk(list[j], s =>
                {
                    if (s is Accumulate a && members.Any(m => ReferenceEquals(m.Write, a)) || ReferenceEquals(s, declare)) return;
                    if (Names(s).Any(n => Root(n) == target)) alone = false;
                });
            }
            if (!alone || members.Count < 2 || !Tiles(members.Select(m => instructions[m.Write.Instruction]).ToList(), instructions, out var tail)) continue;
            foreach (var (index, write) in members)
            {
                var block = (RuleBlock)list[index];
                list[index] = block with
                {
                    Statements = block.Statements.Select(s => ReferenceEquals(s, write)
                        ? write with { Store = Store.Write, Tiled = true, Tail = write.Instruction == tail }
                        : s).ToEquatableArray(),
                };
            }
        }
        return list;
    }

    /// <summary>A contribution of a split of heads or of a slice to its source's gradient: both take [start, start + length) of one axis (operands x, axis, start, length).</summary>
    private static bool IsSplit(Accumulate accumulate, EquatableArray<Instruction> instructions) =>
        accumulate.Operand == 0 && instructions[accumulate.Instruction].Op is OpKind.SplitHeads or OpKind.Slice;

    /// <summary>Whether the splits' slices [start, start + length) along one literal axis follow one another from 0; the last one's instruction.</summary>
    private static bool Tiles(List<Instruction> splits, EquatableArray<Instruction> instructions, out int tail)
    {
        tail = -1;
        var rank = RankOf(instructions[splits[0].Operands[0]].Shape);
        var axis = Axis(instructions[splits[0].Operands[1]], rank);
        if (axis < 0 || splits.Any(s => s.Operands[0] != splits[0].Operands[0] || Axis(instructions[s.Operands[1]], rank) != axis)) return false;
        var ranges = new List<(Dictionary<string, long> Start, Dictionary<string, long> Length, int Id)>();
        foreach (var split in splits)
        {
            if (Form(split.Operands[2], instructions, 0) is not { } start || Form(split.Operands[3], instructions, 0) is not { } length) return false;
            ranges.Add((start, length, split.Id));
        }
        var end = new Dictionary<string, long>();
        while (ranges.Count > 0)
        {
            var next = ranges.FindIndex(r => Same(r.Start, end));
            if (next < 0) return false;
            end = Sum(end, ranges[next].Length, 1);
            tail = ranges[next].Id;
            ranges.RemoveAt(next);
        }
        return true;
    }

    /// <summary>
    /// An int value of the IR as an exact linear form (symbol → coefficient, "" the constant term): a literal, a sum, a
    /// difference or a literal multiple of forms, else the value itself as a symbol (an SSA value is one number); null
    /// beyond a small depth.
    /// </summary>
    private static Dictionary<string, long>? Form(int id, EquatableArray<Instruction> instructions, int depth)
    {
        var value = instructions[id];
        if (depth > 8) return null;
        if (value.Op == OpKind.Constant)
        {
            return long.TryParse(value.Constant, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var literal)
                ? new Dictionary<string, long> { [""] = literal } : null;
        }
        if (value.Op == OpKind.Passive && value.Operands.Count == 2 && value.Template is "{0} * {1}" or "{0} + {1}" or "{0} - {1}")
        {
            var a = Form(value.Operands[0], instructions, depth + 1);
            var b = Form(value.Operands[1], instructions, depth + 1);
            if (a is null || b is null) return null;
            if (value.Template == "{0} + {1}") return Sum(a, b, 1);
            if (value.Template == "{0} - {1}") return Sum(a, b, -1);
            if (IsLiteral(a)) return Sum(new Dictionary<string, long>(), b, Constant(a));
            if (IsLiteral(b)) return Sum(new Dictionary<string, long>(), a, Constant(b));
        }
        if (value.Type.Kind != ValueKind.Passive || value.Type.TypeName is not ("int" or "long")) return null;
        return new Dictionary<string, long> { ["#" + id] = 1 };
    }

    private static bool IsLiteral(Dictionary<string, long> form) => form.All(t => t.Key.Length == 0 || t.Value == 0);

    private static long Constant(Dictionary<string, long> form) => form.TryGetValue("", out var c) ? c : 0;

    private static Dictionary<string, long> Sum(Dictionary<string, long> a, Dictionary<string, long> b, long scale)
    {
        var sum = new Dictionary<string, long>(a);
        foreach (var term in b) sum[term.Key] = (sum.TryGetValue(term.Key, out var c) ? c : 0) + scale * term.Value;
        return sum;
    }

    private static bool Same(Dictionary<string, long> a, Dictionary<string, long> b) =>
        a.Keys.Concat(b.Keys).All(k => (a.TryGetValue(k, out var x) ? x : 0) == (b.TryGetValue(k, out var y) ? y : 0));
}
