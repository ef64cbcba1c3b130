using System.Globalization;
using System.Linq;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, a call of a plain (not <c>[Differentiable]</c>) method whose arguments are all passive: nothing flows into its
/// result, so nothing needs differentiating — <c>var mask = Masks.Causal(t)</c> is a <see cref="OpKind.Passive"/> value
/// (of any type, a tensor included) that the forward sweep computes once, where the user computed it.
/// </summary>
internal sealed partial class Lowerer
{
    /// <summary>True when the call is such a passive call (and <paramref name="id"/> is its value, -1 after a rejection inside).</summary>
    private bool PassiveCall(IInvocationOperation invocation, int depth, out int id)
    {
        id = -1;
        var method = invocation.TargetMethod;
        if (method.ReturnsVoid || method.ReturnsByRef || method.ReturnsByRefReadonly || method.MethodKind != MethodKind.Ordinary) return false;
        if (invocation.Arguments.Any(a => a.ArgumentKind == ArgumentKind.ParamArray || a.Parameter is null || a.Parameter.RefKind != RefKind.None || !(IsPassive(a.Value) || a.Value.ConstantValue.HasValue))) return false;
        if (!method.IsStatic && (invocation.Instance is null || !IsPassive(invocation.Instance) || invocation.Instance is IInstanceReferenceOperation)) return false;
        var operands = new System.Collections.Generic.List<int>();
        string receiver;
        if (method.IsStatic)
        {
            receiver = method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        }
        else
        {
            operands.Add(Expression(invocation.Instance!, depth + 1));
            receiver = "{0}";
        }
        var arguments = invocation.Arguments.OrderBy(a => a.Parameter!.Ordinal).Select(a =>
        {
            operands.Add(Expression(a.Value, depth + 1));
            return "{" + (operands.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
        }).ToList();
        if (operands.Any(o => o < 0)) return true;
        var typeArguments = method.IsGenericMethod ? "<" + string.Join(", ", method.TypeArguments.Select(t => t.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat))) + ">" : "";
        id = Add(new Builder
        {
            Op = OpKind.Passive,
            Operands = operands.ToArray(),
            Type = Symbols.Classify(invocation.Type),
            Template = receiver + "." + method.Name + typeArguments + "(" + string.Join(", ", arguments) + ")",
        });
        return true;
    }
}
