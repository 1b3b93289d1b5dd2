import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { GenerationStatus } from './enums';
import type { Task } from './task.entity';
import type { Script } from './script.entity';

@Entity('storyboards')
export class Storyboard {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'task_id', type: 'uuid' })
  taskId: string;

  @ManyToOne('Task', (task: Task) => task.storyboards, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id' })
  task?: Task;

  @Column({ name: 'script_id', type: 'int' })
  scriptId: number;

  @ManyToOne('Script', (script: Script) => script.storyboards, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'script_id' })
  script?: Script;

  @Column({ name: 'sequence_number', type: 'int' })
  sequenceNumber: number;

  @Column({ name: 'generation_status', type: 'varchar', length: 20 })
  generationStatus: GenerationStatus;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
