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
    /// parameter's gradient whose first contribution — in the order of the sweep, outside any loop or branch — is a kernel that
    /// can write it is written by that kernel when asked (<c>overwrite: overwrite</c>): no zero fill, no read of the caller's
    /// buffer. When two of the caller's tensors share memory, <c>Adjoint.Overwrite</c> zeros them all and the kernels add, which
    /// is exactly the unplanned result. Made only when every gradient is a scalar or a tensor parameter's of one element type
    /// (the memory check covers them all); weight objects, arrays and <c>this</c> are zeroed when asked.
    /// </summary>
    private static List<BackwardStatement> WriteIfAsked(List<BackwardStatement> statements, MethodModel method, GeneratedNames names, EquatableArray<Instruction> instructions)
    {
        if (statements.Count == 0 || statements[0] is not WriteRequest request || names.SelfGradient.Length > 0) return statements;
        var tensors = new List<string>();
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
            else if (type.Kind != ValueKind.Scalar)
            {
                return statements; // a weight object or an array: zeroed when asked
            }
        }
        if (elements.Count != 1) return statements;
        var written = tensors.Where(gradient => WriteFirstMention(statements, gradient, names.Overwrite, instructions) == Mention.Written).ToList();
        statements[0] = request with { Written = written.ToEquatableArray() };
        return statements;
    }

    private enum Mention
    {
        /// <summary>The list does not name the gradient.</summary>
        None,

        /// <summary>The first statement naming it now writes it when asked.</summary>
        Written,

        /// <summary>The first statement naming it cannot write it (it adds, reads it, or runs in a loop or branch).</summary>
        Kept,
    }

    /// <summary>
    /// Finds the first statement of <paramref name="list"/> (in print order, through blocks printed inline) that names
    /// <paramref name="gradient"/>, and makes it write when asked if it is a contribution that can.
    /// </summary>
    private static Mention WriteFirstMention(List<BackwardStatement> list, string gradient, string flag, EquatableArray<Instruction> instructions)
    {
        for (var i = 0; i < list.Count; i++)
        {
            var (rewritten, mention) = WriteFirstMention(list[i], gradient, flag, instructions);
            if (mention == Mention.None) continue;
            list[i] = rewritten;
            return mention;
        }
        return Mention.None;
    }

    private static (BackwardStatement Statement, Mention Mention) WriteFirstMention(BackwardStatement statement, string gradient, string flag, EquatableArray<Instruction> instructions)
    {
        switch (statement)
        {
            case Accumulate accumulate when accumulate.Target == gradient:
                return CanWriteFirst(accumulate, gradient, instructions) ? (accumulate with { WriteIfAsked = true }, Mention.Written) : (statement, Mention.Kept);
            case AddGradient add when add.Target == gradient:
                return !add.Declares && !add.Overwrite ? (add with { WriteIfAsked = true }, Mention.Written) : (statement, Mention.Kept);
            case AccumulateAll all when all.Targets.Contains(gradient):
            {
                var k = all.Targets.ToList().IndexOf(gradient);
                return all.Write(k).Length == 0 && KernelCanWrite(all, k, instructions) ? (all.Writing(k, flag), Mention.Written) : (statement, Mention.Kept);
            }
            case IfWanted wanted:
            {
                var (inner, mention) = WriteFirstMention(wanted.Statement, gradient, flag, instructions);
                return (wanted with { Statement = inner }, mention);
            }
            case RuleBlock block when !Names(block).Any(n => Root(n) == gradient):
                return Inside(block.Statements, s => block with { Statements = s });
            case Sequence sequence:
                return Inside(sequence.Statements, s => sequence with { Statements = s });
            case ElementsBlock elements:
                return Inside(elements.Statements, s => elements with { Statements = s });
            default:
            {
                // Anything else that names it (a callee's pullback adding into it, a loop or branch contributing to it) keeps it added to.
                var named = false;
                Walk(statement, s => named |= Names(s).Any(n => Root(n) == gradient));
                return (statement, named ? Mention.Kept : Mention.None);
            }
        }

        (BackwardStatement, Mention) Inside(EquatableArray<BackwardStatement> statements, System.Func<EquatableArray<BackwardStatement>, BackwardStatement> rebuild)
        {
            var list = statements.ToList();
            var mention = WriteFirstMention(list, gradient, flag, instructions);
            return (mention == Mention.Written ? rebuild(list.ToEquatableArray()) : statement, mention);
        }
    }
}
