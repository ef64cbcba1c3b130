using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Planner
{
    // ── alias ────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// <b>alias</b> — a tensor gradient whose first contribution is an exact copy of another gradient buffer becomes that
    /// buffer: <c>var dT23 = Adjoint.Reduce(dT24, t23)</c> (the buffer itself where the shapes agree; a broadcast operand
    /// still receives its reduced copy) instead of <c>var dT23 = Adjoint.Uninitialized(t23); Adjoint.Identity(dT24, dT23,
    /// overwrite: true)</c>. The copies it removes: the second operand of <c>a + b</c> once the first took the upstream
    /// buffer (the residual stream's <c>x + f(x)</c>), a loop's carried gradient copied into each iteration's, a gradient
    /// copied out of a loop — and the input of a reshape, whose gradient becomes a view of the upstream buffer in the
    /// input's shape (<c>Adjoint.Reshaped</c>).
    /// <para>Made only when every read of either buffer sees what it would have seen with the copy: the copied buffer (or
    /// one sharing it) is read no more, and this scope owns it (not the caller's ∂L/∂result, nor a buffer a loop carries);
    /// or no statement after the copy writes the new gradient (or a buffer handed on from it), and none writes the copied
    /// buffer before the new gradient's last read. The values are those of the copy, up to the sign of a zero: a −0 stays
    /// −0, as in the hand-on of an operand's gradient, where the copy (0 + (−0)) gives +0 — the same value, which every
    /// later addition into a caller's gradient makes +0 again.</para>
    /// </summary>
    private static List<BackwardStatement> Alias(List<BackwardStatement> scope, EquatableArray<Instruction> instructions, HashSet<string> carried)
    {
        var list = InNestedScopes(scope, nested => Alias(nested, instructions, carried));

        // The scope's statements in the order they run (nested scopes included, once), and which buffers may be one.
        var events = new List<BackwardStatement>();
        foreach (var statement in list) Walk(statement, events.Add);
        var owner = new Dictionary<string, string>();
        string Find(string name)
        {
            if (!owner.TryGetValue(name, out var parent)) return owner[name] = name;
            return parent == name ? name : owner[name] = Find(parent);
        }
        foreach (var handOn in events.OfType<HandOnGradient>()) owner[Find(handOn.Name)] = Find(handOn.From);
        var declared = new HashSet<string>(events.OfType<DeclareGradient>().Select(d => d.Name).Concat(events.OfType<HandOnGradient>().Select(h => h.Name)));

        // The copies this scope makes inline (declared here, not in a nested scope), in order.
        var aliases = new Dictionary<string, (string From, bool Reshape)>(); // the new gradient → the buffer it takes
        for (var i = 0; i < events.Count; i++)
        {
            if (!IsCopy(events, i, instructions, out var target, out var from, out var reshape)) continue;
            if (carried.Contains(target) || Find(target) == Find(from) || !PrintedIn(list, events[i])) continue;
            var mine = Find(target);
            var theirs = Find(from);
            bool Mine(string name) => Find(Root(name)) == mine;
            bool Theirs(string name) => Find(Root(name)) == theirs;
            var after = events.Skip(i + 1).ToList();
            // Either the new gradient is only read, and the copied buffer not written before the new gradient's last read;
            var last = after.FindLastIndex(e => Names(e).Any(Mine));
            var readOnly = !after.Any(e => Writes(e).Any(Mine)) && !after.Take(last + 1).Any(e => Writes(e).Any(Theirs));
            // or the copied buffer is dead and this scope declared it (not the caller's ∂L/∂result, nor a buffer of an outer
            // scope or one a loop carries into its next iteration): the new gradient may own it.
            var dead = !after.Any(e => Names(e).Any(Theirs))
                       && owner.Keys.ToList().Where(Theirs).Append(from).All(n => declared.Contains(n) && !carried.Contains(n));
            if (!readOnly && !dead) continue;
            aliases[target] = (from, reshape);
            owner[mine] = theirs;
        }
        return aliases.Count == 0 ? list : list.Select(s => Rewrite(s, aliases)).ToList();
    }

    /// <summary>
    /// Whether events[i] is the copy of a pair <c>Declare(target) ; copy(from → target)</c>: an uninitialised declaration and
    /// a written pass-through contribution or gradient copy (planning's first write), or a zero declaration and the added form.
    /// </summary>
    private static bool IsCopy(List<BackwardStatement> events, int i, EquatableArray<Instruction> instructions, out string target, out string from, out bool reshape)
    {
        target = from = "";
        reshape = false;
        if (i == 0 || events[i - 1] is not DeclareGradient declare || instructions[declare.Value].Type.Kind != ValueKind.Tensor) return false;
        switch (events[i])
        {
            case Accumulate accumulate when accumulate.Target == declare.Name && !accumulate.Tiled:
                var adjoint = Differentiator.RuleOf(instructions[accumulate.Instruction], instructions).Adjoints[accumulate.Operand];
                // A reshape's input takes a view; a pass-through operand the buffer itself — unless its shapes are known to
                // differ (a broadcast operand's gradient is a reduced copy either way: no buffer to share).
                if (adjoint is { Reshapes: true }) reshape = true;
                else if (adjoint is not { PassThrough: true } || KnownToDiffer(instructions[accumulate.Instruction].Shape, instructions[declare.Value].Shape)) return false;
                (target, from) = (accumulate.Target, accumulate.Upstream);
                break;
            case AddGradient add when add.Target == declare.Name:
                (target, from) = (add.Target, add.From);
                break;
            default:
                return false;
        }
        return from.IndexOfAny(new[] { '[', '.' }) < 0; // a whole buffer, not an element or member path
    }

    /// <summary>Whether two shapes the compiler inferred are both fully known and differ.</summary>
    private static bool KnownToDiffer(string? a, string? b) => a is not null && b is not null && a.IndexOf('?') < 0 && b.IndexOf('?') < 0 && a != b;

    /// <summary>Whether <paramref name="statement"/> is printed in the scope of <paramref name="list"/> (not inside a nested loop body or branch side).</summary>
    private static bool PrintedIn(List<BackwardStatement> list, BackwardStatement statement)
    {
        var found = false;
        foreach (var s in list) Inline(s, x => found |= ReferenceEquals(x, statement));
        return found;
    }

    /// <summary>The gradient names a statement itself writes (or rebinds): what it adds into, writes or declares.</summary>
    private static IEnumerable<string> Writes(BackwardStatement statement) => statement switch
    {
        CallBlock block => block.Arguments.Where(a => a.Gradient is not null).Select(a => a.Gradient!),
        ReturnedAsIs returned => new[] { returned.Gradient },
        DeclareGradient declare => new[] { declare.Name },
        Accumulate accumulate => new[] { accumulate.Target },
        AccumulateAll all => all.Targets.Where(t => t.Length > 0),
        AddGradient add => new[] { add.Target },
        AssignGradient assign => new[] { assign.Target },
        _ => System.Array.Empty<string>(),
    };

    /// <summary>
    /// The statement with each aliased pair (declaration and copy) replaced by the hand-on of the copied buffer, in every list
    /// printed in the same scope (as <see cref="PrintedIn"/> finds them).
    /// </summary>
    private static BackwardStatement Rewrite(BackwardStatement statement, Dictionary<string, (string From, bool Reshape)> aliases) => statement switch
    {
        RuleBlock block => block with { Statements = Rewrite(block.Statements, aliases) },
        CallBlock block => block with { Statements = Rewrite(block.Statements, aliases) },
        Sequence sequence => sequence with { Statements = Rewrite(sequence.Statements, aliases) },
        ElementsBlock elements => elements with { Statements = Rewrite(elements.Statements, aliases) },
        IfWanted wanted => wanted with { Statement = Rewrite(wanted.Statement, aliases) },
        ReverseLoop loop => loop with { Before = Rewrite(loop.Before, aliases), After = Rewrite(loop.After, aliases) },
        BranchBlock branch => branch with { Before = Rewrite(branch.Before, aliases) },
        _ => statement,
    };

    private static EquatableArray<BackwardStatement> Rewrite(EquatableArray<BackwardStatement> statements, Dictionary<string, (string From, bool Reshape)> aliases)
    {
        var result = new List<BackwardStatement>();
        for (var i = 0; i < statements.Count; i++)
        {
            if (statements[i] is DeclareGradient declare && aliases.TryGetValue(declare.Name, out var alias) && i + 1 < statements.Count
                && statements[i + 1] is Accumulate or AddGradient)
            {
                result.Add(new HandOnGradient(declare.Value, declare.Name, alias.From, Alias: true, alias.Reshape));
                i++;
                continue;
            }
            result.Add(Rewrite(statements[i], aliases));
        }
        return result.ToEquatableArray();
    }
}
