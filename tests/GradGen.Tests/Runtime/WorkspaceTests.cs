using System;
using System.Numerics.Tensors;
using GradGen.Tests.Infrastructure;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// <see cref="Workspace"/>: inside a scope the runtime's results, gradient buffers, views and arrays come from slot k of
/// the workspace (the same objects step after step while shapes match, new ones when they change); a reentrant scope
/// allocates instead, and a nested scope of another workspace is used until it ends.
/// </summary>
public class WorkspaceTests
{
    private static (Tensor<double> Sum, Tensor<double> Zeros, Tensor<double> View, int[] Array) Step(Workspace workspace, Tensor<double> a, Tensor<double> b)
    {
        using var scope = workspace.Enter();
        Assert.True(scope.IsActive);
        var sum = Ops.Add(a, b);
        return (sum, Ops.ZerosLike(a), Ops.Reshape(sum, -1), Workspace.NewArray<int>(3));
    }

    [Fact]
    public void A_step_gets_the_same_objects_as_the_last_while_shapes_match_and_new_ones_when_they_change()
    {
        var workspace = new Workspace();
        var rng = new Random(1);
        var (a, b) = (Random(rng, new[] { 2, 3 }), Random(rng, new[] { 3 }));
        var first = Step(workspace, a, b);
        var count = workspace.Count;
        Ops.Add(first.Zeros, a, first.Zeros);   // dirty it: the next step must hand it out zeroed again
        var second = Step(workspace, a, b);
        Assert.Equal(count, workspace.Count);
        Assert.Same(first.Sum, second.Sum);
        Assert.Same(first.Zeros, second.Zeros);
        Assert.Same(first.View, second.View);
        Assert.Same(first.Array, second.Array);
        Assert.All(Flat(second.Zeros), v => Assert.Equal(0, v));
        Assert.Equal(Flat(Ops.Add(a, b)), Flat(second.Sum));
        Assert.Equal(Flat(second.Sum), Flat(second.View));

        var (c, d) = (Random(rng, new[] { 4, 3 }), Random(rng, new[] { 3 }));
        var third = Step(workspace, c, d);
        Assert.NotSame(second.Sum, third.Sum);
        Assert.NotSame(second.View, third.View);   // a view of the new sum, not of the old one
        Assert.Same(second.Array, third.Array);     // same length: reused
        Assert.Equal(Flat(Ops.Add(c, d)), Flat(third.View));
        Assert.Equal(new nint[] { 12 }, third.View.Lengths.ToArray());
    }

    [Fact]
    public void A_strided_operand_is_read_through_a_workspace_copy_without_allocating_once_warm()
    {
        var workspace = new Workspace();
        var backing = Random(new Random(3), new[] { 3, 4 });
        var view = Tensor.Transpose(backing);   // [4, 3], strided
        var expected = Flat(Ops.Relu(view));
        var allocated = new long[3];
        for (var step = 0; step < allocated.Length; step++)
        {
            Tensor<double>? result = null;
            allocated[step] = Allocations.Of(() =>
            {
                using var scope = workspace.Enter();
                result = Ops.Relu(view);
            });
            Assert.Equal(expected, Flat(result!));
        }
        Assert.Equal(0, allocated[1]);
        Assert.Equal(0, allocated[2]);
    }

    [Fact]
    public void Outside_a_scope_every_call_allocates()
    {
        var a = Filled(new[] { 2, 2 }, 1);
        Assert.NotSame(Ops.ZerosLike(a), Ops.ZerosLike(a));
        Assert.NotSame(Workspace.NewArray<int>(2), Workspace.NewArray<int>(2));
        var workspace = new Workspace();
        using (workspace.Enter()) Ops.ZerosLike(a);
        Assert.NotSame(Ops.ZerosLike(a), Ops.ZerosLike(a));   // the scope ended
    }

    [Fact]
    public void A_reentrant_scope_allocates_and_leaves_the_outer_steps_tensors_alone()
    {
        var workspace = new Workspace();
        var a = Filled(new[] { 2, 2 }, 1);
        var warm = Step(workspace, a, a);   // slot 0 holds a tensor of a + a
        using (var outer = workspace.Enter())
        {
            var sum = Ops.Add(a, a);
            Assert.Same(warm.Sum, sum);
            Tensor<double> inner;
            using (var reentrant = workspace.Enter())
            {
                Assert.False(reentrant.IsActive);
                inner = Ops.Add(a, Filled(new[] { 2, 2 }, 5));   // would be slot 1 or 0 if it reused the outer step's slots
            }
            Assert.NotSame(sum, inner);
            Assert.NotSame(warm.Zeros, inner);
            Assert.All(Flat(sum), v => Assert.Equal(2, v));
            Assert.Same(warm.Zeros, Ops.ZerosLike(a));   // the outer step goes on with its own slots
        }
    }

    [Fact]
    public void A_nested_scope_of_another_workspace_is_used_until_it_ends()
    {
        var (outer, inner) = (new Workspace(), new Workspace());
        var a = Filled(new[] { 3 }, 1);
        using (outer.Enter())
        {
            var first = Ops.ZerosLike(a);
            using (inner.Enter()) Ops.ZerosLike(a);
            Ops.ZerosLike(a);
            Assert.Equal(1, inner.Count);
            Assert.Equal(2, outer.Count);
            Assert.NotNull(first);
        }
    }

    [Fact]
    public void A_step_that_throws_ends_its_scope()
    {
        var workspace = new Workspace();
        Assert.Throws<ArgumentException>(() =>
        {
            using var scope = workspace.Enter();
            Ops.Add(Filled(new[] { 2 }, 1), Filled(new[] { 3 }, 1));
        });
        var a = Filled(new[] { 2 }, 1);
        Assert.NotSame(Ops.ZerosLike(a), Ops.ZerosLike(a));   // no scope left behind on the thread
        using (var scope = workspace.Enter()) Assert.True(scope.IsActive);   // and the workspace is usable again
    }

    [Fact]
    public void A_released_buffer_serves_the_next_request_of_its_shape_zeroed_when_asked()
    {
        var workspace = new Workspace();
        var like = Filled(new[] { 2, 3 }, 1);
        using (workspace.Enter())
        {
            var first = Ops.ZerosLike(like);
            Ops.Clear(first);
            first[0, 0] = 5;
            Workspace.Release(first);
            Workspace.Release(first);                                  // a second release of one buffer is ignored
            Assert.NotSame(first, Ops.ZerosLike(Filled(new[] { 3, 2 }, 1))); // another shape takes a slot of its own
            var second = Ops.ZerosLike(like);
            Assert.Same(first, second);                                // the released buffer, not a new slot
            Assert.Equal(0, second[0, 0]);                             // and cleared, as ZerosLike promises
            Assert.NotSame(second, Ops.ZerosLike(like));               // released once, handed out once
            Assert.Equal(3, workspace.Count);
            Assert.Equal((6 + 6 + 6) * sizeof(double), workspace.Bytes);
        }
    }

    [Fact]
    public void Release_ignores_a_tensor_the_step_did_not_take_and_calls_outside_a_scope()
    {
        var workspace = new Workspace();
        var foreign = Filled(new[] { 4 }, 1);
        Workspace.Release(foreign);                                    // no scope: nothing happens
        using (workspace.Enter())
        {
            Workspace.Release(foreign);                                // not the workspace's: never handed out
            Assert.NotSame(foreign, Ops.ZerosLike(foreign));
            Assert.Equal(1, foreign[0]);
        }
    }

    [Fact]
    public void Steps_that_release_allocate_nothing_once_warm()
    {
        var workspace = new Workspace();
        var like = Filled(new[] { 64, 64 }, 1);
        void Step()
        {
            using var scope = workspace.Enter();
            for (var i = 0; i < 8; i++)
            {
                var buffer = Adjoint.Uninitialized(like);
                Ops.Clear(buffer);
                Workspace.Release(buffer);
            }
        }
        Step();
        Assert.Equal(1, workspace.Count);                              // eight requests, one buffer
        Assert.Equal(0, Allocations.Of(Step));
    }
}
