using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Planner
{
    // ── write-if-asked ───────────────────────────────────────────────────────────────────────

    /// <summary>
    /// <b>write-if-asked</b>: a caller may ask the pullback for its gradients written rather than added to (the flag
    /// <see cref="GeneratedNames.Overwrite"/>; <see cref="WriteRequest"/>, unplanned, zeros every gradient when asked). A tensor
    /// parameter's gradient whose first mention — in the order of the sweep, outside any loop or branch — is a kernel that
    /// can write it is written by that kernel when asked (<c>overwrite: overwrite</c>): no zero fill, no read of the caller's
    /// buffer. A callee's pullback is handed the flag when every gradient it receives is written there first (or declared for
    /// it). When two of the caller's tensors share memory, <c>Adjoint.Overwrite</c> zeros them all and the kernels add, which
    /// is exactly the unplanned result. Made only when every gradient is a scalar or a tensor parameter's of one element type
    /// (the memory check covers them all); weight objects, arrays and <c>this</c> are zeroed when asked.
    /// </summary>
    private static List<BackwardStatement> WriteIfAsked(List<BackwardStatement> statements, MethodModel method, GeneratedNames names, EquatableArray<Instruction> instructions)
    {
        if (statements.Count == 0 || statements[0] is not WriteRequest request || names.SelfGradient.Length > 0) return statements;
        var tensors = new List<string>();
        var scalars = new List<string>();
        var elements = new HashSet<ElementType>();
        for (var i = 0; i < method.Parameters.Count; i++)
        {
            if (names.ParameterGradients[i].Length == 0) continue;
            var type = method.Parameters[i].Type;
            if (type.Kind == ValueKind.Tensor)
            {
                tensors.Add(names.ParameterGradients[i]);
                elements.Add(type.Element);
            }
            else if (type.Kind == ValueKind.Scalar)
            {
                scalars.Add(names.ParameterGradients[i]);
            }
            else
            {
                return statements; // a weight object or an array: zeroed when asked
            }
        }
        if (elements.Count != 1) return statements;
        var written = new List<string>();
        foreach (var gradient in tensors)
        {
            var first = FirstNaming(statements, gradient);
            BackwardStatement? writing = first switch
            {
                Accumulate accumulate when accumulate.Target == gradient && CanWriteFirst(accumulate, gradient, instructions) => accumulate with { Store = Store.WriteIfAsked },
                AddGradient add when add.Target == gradient && !add.Declares && add.Store == Store.Add => add with { Store = Store.WriteIfAsked },
                AccumulateAll all when all.Targets.ToList().IndexOf(gradient) is var k && k >= 0 && all.StoreOf(k) == Store.Add && KernelCanWrite(all, k, instructions) => all.Storing(k, Store.WriteIfAsked),
                CallBlock call when call.Store == Store.WriteIfAsked => call, // handed the flag for an earlier gradient
                CallBlock call when CanHandOnWrite(call, statements, tensors.Concat(scalars), instructions) => call with { Store = Store.WriteIfAsked },
                _ => null,
            };
            if (writing is null) continue;
            if (!ReferenceEquals(writing, first)) statements = Replace(statements, first!, writing);
            written.Add(gradient);
        }
        statements[0] = request with { Written = written.ToEquatableArray() };
        return statements;
    }

    /// <summary>
    /// Whether a call's pullback may be handed the caller's flag: it is generated (a registered pullback adds), and each
    /// gradient it receives is null, declared for it (zeros: written or added to, the same), or a caller's gradient
    /// whose first mention is this call.
    /// </summary>
    private static bool CanHandOnWrite(CallBlock call, List<BackwardStatement> statements, IEnumerable<string> callersGradients, EquatableArray<Instruction> instructions)
    {
        if (instructions[call.Instruction].Callee is not { CustomPullback: null }) return false;
        var declared = new HashSet<string>(call.Statements.OfType<DeclareGradient>().Select(d => d.Name));
        var callers = new HashSet<string>(callersGradients);
        return call.Arguments.All(a => a.Gradient is not { } g || declared.Contains(g) || callers.Contains(g) && ReferenceEquals(FirstNaming(statements, g), call));
    }

    /// <summary>
    /// First write of a call: a generated pullback whose every gradient is declared (zero-filled) just for it is handed
    /// <c>true</c> instead, its tensor buffers declared uninitialised — the callee writes them (first-write across a call).
    /// </summary>
    private static BackwardStatement CallFirstWrite(CallBlock call, EquatableArray<Instruction> instructions)
    {
        if (call.Store != Store.Add || instructions[call.Instruction].Callee is not { CustomPullback: null }) return call;
        var declared = call.Statements.OfType<DeclareGradient>().ToList();
        if (call.Statements.Count != declared.Count || declared.Any(d => d.Uninitialized)) return call;
        var names = new HashSet<string>(declared.Select(d => d.Name));
        if (!call.Arguments.Any(a => a.Gradient is not null) || call.Arguments.Any(a => a.Gradient is { } g && !names.Contains(g))) return call;
        return call with
        {
            Statements = declared.Select(d => instructions[d.Value].Type.Kind == ValueKind.Tensor ? d with { Uninitialized = true } : d).ToEquatableArray<BackwardStatement>(),
            Store = Store.Write,
        };
    }

    /// <summary>
    /// The statement that first names <paramref name="gradient"/> in print order, looking into blocks printed inline (a rule's
    /// or call's declarations, a guarded contribution, a sequence) but not into a loop or a branch: one that names it inside
    /// is itself the answer. Null when nothing names it.
    /// </summary>
    private static BackwardStatement? FirstNaming(IEnumerable<BackwardStatement> list, string gradient)
    {
        foreach (var statement in list)
        {
            var inner = statement switch
            {
                IfWanted wanted => FirstNaming(new[] { wanted.Statement }, gradient),
                RuleBlock block when !Names(block).Any(n => Root(n) == gradient) => FirstNaming(block.Statements, gradient),
                CallBlock call => FirstNaming(call.Statements, gradient),
                Sequence sequence => FirstNaming(sequence.Statements, gradient),
                ElementsBlock elements => FirstNaming(elements.Statements, gradient),
                _ => null,
            };
            if (inner is not null) return inner;
            var named = false;
            Walk(statement, s => named |= Names(s).Any(n => Root(n) == gradient));
            if (named) return statement;
        }
        return null;
    }

    /// <summary>The statements with <paramref name="target"/> (found by reference, in blocks printed inline) replaced.</summary>
    private static List<BackwardStatement> Replace(List<BackwardStatement> list, BackwardStatement target, BackwardStatement replacement) =>
        list.Select(s => Replace(s, target, replacement)).ToList();

    private static BackwardStatement Replace(BackwardStatement statement, BackwardStatement target, BackwardStatement replacement)
    {
        if (ReferenceEquals(statement, target)) return replacement;
        EquatableArray<BackwardStatement> In(EquatableArray<BackwardStatement> statements) => Replace(statements.ToList(), target, replacement).ToEquatableArray();
        return statement switch
        {
            IfWanted wanted => wanted with { Statement = Replace(wanted.Statement, target, replacement) },
            RuleBlock block => block with { Statements = In(block.Statements) },
            CallBlock call => call with { Statements = In(call.Statements) },
            Sequence sequence => sequence with { Statements = In(sequence.Statements) },
            ElementsBlock elements => elements with { Statements = In(elements.Statements) },
            _ => statement,
        };
    }
}
