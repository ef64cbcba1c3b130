using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Differentiation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, the last check: no gradient may be dropped. An op's rule may leave an operand undifferentiated (LayerNorm's eps,
/// CausalSoftmax's scale); a value that depends on a differentiated input there would lose its gradient silently, a wrong
/// gradient. Differentiate's activity analysis finds such operands on the finished model; this turns each into a
/// rejection at the argument the user wrote (the generator then emits nothing, and the analyzer, which runs the same
/// Lower, reports it live).
/// </summary>
internal sealed partial class Lowerer
{
    /// <summary>The invocation each op instruction was lowered from (its arguments, by operand position).</summary>
    private readonly Dictionary<int, IInvocationOperation> _opCalls = new();

    private void CheckDroppedGradients()
    {
        var model = BuildModel();
        foreach (var (id, operand) in Differentiator.DroppedGradients(model))
        {
            if (!_opCalls.TryGetValue(id, out var call) || operand >= call.Arguments.Length)
            {
                // Every rule with an undifferentiated operand is an Ops method today; should one not be, say so at the method.
                Reject(RejectionKind.UnsupportedConstruct, _method.Locations.FirstOrDefault() ?? Location.None, RejectionText.DroppedGradient(model.Instructions[id].Op.ToString(), "operand " + operand, null));
                continue;
            }
            var argument = call.Arguments[operand];
            Reject(RejectionKind.UnsupportedConstruct, argument.Value.Syntax, RejectionText.DroppedGradient(call.TargetMethod.Name, argument.Parameter?.Name ?? "operand " + operand, argument.Value.Syntax));
        }
    }
}
