package io.sluice.runtime;

import io.sluice.dataflow.BatchMapper;
import io.sluice.dataflow.Inspector;
import io.sluice.outputs.StatelessSinkPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** The steps that never leave their worker. */
final class StatelessNodes {
  private StatelessNodes() {}

  static final class FlatMapBatchNode extends Node {
    private final BatchMapper<Object, Object> mapper;
    /**
     * Whether the mapper returns a new list for every batch. A user's mapper may reuse its list,
     * and a batch handed to an exchange can wait in a queue past the mapper's next call (at one
     * worker the exchange passes batches on without copying them), so its output is copied.
     */
    private final boolean freshOutput;

    FlatMapBatchNode(String id, Worker w, StepMetrics m, BatchMapper<Object, Object> mapper, boolean freshOutput) {
      super(id, w, m, 1);
      this.mapper = mapper;
      this.freshOutput = freshOutput;
    }

    @Override
    @SuppressWarnings("unchecked")
    void push(int input, long epoch, List<Object> items) {
      metrics.itemsIn += items.size();
      long t0 = beginActivation();
      List<Object> out;
      try {
        Iterable<?> result = mapper.apply(items);
        if (result instanceof List<?> l && freshOutput) {
          out = (List<Object>) l;
        } else if (result instanceof java.util.Collection<?> c) {
          out = new ArrayList<>(c);
        } else {
          out = new ArrayList<>();
          if (result != null) {
            result.forEach(out::add);
          }
        }
      } catch (RuntimeException | Error e) {
        throw failure(items, e);
      }
      recordActivation(System.nanoTime() - t0);
      emit(0, epoch, out);
    }

    @Override
    void eof(int input) {
      emitEof();
    }
  }

  static final class BranchNode extends Node {
    private final Predicate<Object> predicate;

    BranchNode(String id, Worker w, StepMetrics m, Predicate<Object> predicate) {
      super(id, w, m, 2);
      this.predicate = predicate;
    }

    @Override
    void push(int input, long epoch, List<Object> items) {
      metrics.itemsIn += items.size();
      long t0 = beginActivation();
      List<Object> yes = new ArrayList<>(items.size());
      List<Object> no = new ArrayList<>();
      for (Object item : items) {
        boolean accepted;
        try {
          accepted = predicate.test(item);
        } catch (RuntimeException | Error e) {
          throw failure(item, e);
        }
        (accepted ? yes : no).add(item);
      }
      recordActivation(System.nanoTime() - t0);
      emit(0, epoch, yes);
      emit(1, epoch, no);
    }

    @Override
    void eof(int input) {
      emitEof();
    }
  }

  static final class MergeNode extends Node {
    private int openInputs;
    private final Frontier frontier;

    MergeNode(String id, Worker w, StepMetrics m, int inputs) {
      super(id, w, m, 1);
      this.openInputs = inputs;
      this.frontier = new Frontier(inputs, w.openEpoch - 1, w.startTimeMillis);
    }

    @Override
    void progress(int input, long epoch, long timeMillis) {
      if (frontier.close(input, epoch, timeMillis)) {
        emitProgress(frontier.closedEpoch(), frontier.time());
      }
    }

    @Override
    void push(int input, long epoch, List<Object> items) {
      metrics.itemsIn += items.size();
      emit(0, epoch, items);
    }

    @Override
    void eof(int input) {
      if (frontier.end(input)) {
        emitProgress(frontier.closedEpoch(), frontier.time());
      }
      if (--openInputs == 0) {
        emitEof();
      }
    }
  }

  static final class InspectNode extends Node {
    private final Inspector<Object> inspector;

    InspectNode(String id, Worker w, StepMetrics m, Inspector<Object> inspector) {
      super(id, w, m, 1);
      this.inspector = inspector;
    }

    @Override
    void push(int input, long epoch, List<Object> items) {
      metrics.itemsIn += items.size();
      long t0 = beginActivation();
      for (Object item : items) {
        try {
          inspector.inspect(item, worker.index, epoch);
        } catch (RuntimeException | Error e) {
          throw failure(item, e);
        }
      }
      recordActivation(System.nanoTime() - t0);
      emit(0, epoch, items);
    }

    @Override
    void eof(int input) {
      emitEof();
    }
  }

  /** An output step writing to this worker's partition of a dynamic sink. */
  static final class DynamicOutputNode extends Node {
    private final StatelessSinkPartition<Object> partition;
    private boolean closed;

    DynamicOutputNode(String id, Worker w, StepMetrics m, StatelessSinkPartition<Object> partition) {
      super(id, w, m, 0);
      this.partition = partition;
      w.closeOnExit(this::close);
    }

    @Override
    void push(int input, long epoch, List<Object> items) {
      metrics.itemsIn += items.size();
      long t0 = beginActivation();
      try {
        partition.writeBatch(items, epoch);
      } catch (RuntimeException | Error e) {
        throw failure(items, e);
      }
      recordActivation(System.nanoTime() - t0);
    }

    @Override
    void progress(int input, long epoch, long timeMillis) {
      // a sink makes each batch visible when writeBatch returns: nothing to do at an epoch's close
    }

    @Override
    void eof(int input) {
      try {
        close();
      } catch (RuntimeException | Error e) {
        throw failureDuring("closing its sink partition", e);
      }
    }

    private void close() {
      if (!closed) {
        closed = true;
        partition.close();
      }
    }
  }
}
