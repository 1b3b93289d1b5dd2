import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { ScriptStatus } from './enums';
import type { Task } from './task.entity';
import type { Storyboard } from './storyboard.entity';

/** The generated script's structure: a title and its scenes. */
export interface ScriptContent {
  title: string;
  tone: string;
  scenes: { heading: string; seconds: number }[];
}

@Entity('scripts')
export class Script {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'task_id', type: 'uuid' })
  taskId: string;

  @ManyToOne('Task', (task: Task) => task.scripts, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id' })
  task?: Task;

  @Column({ type: 'varchar', length: 20 })
  status: ScriptStatus;

  @Column({ name: 'structured_content', type: 'json' })
  structuredContent: ScriptContent;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @OneToMany('Storyboard', (storyboard: Storyboard) => storyboard.script)
  storyboards?: Storyboard[];
}
