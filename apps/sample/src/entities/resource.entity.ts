import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { GenerationStatus, ResourceType } from './enums';
import type { Task } from './task.entity';

@Entity('resources')
export class Resource {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'task_id', type: 'uuid' })
  taskId: string;

  @ManyToOne('Task', (task: Task) => task.resources, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id' })
  task?: Task;

  @Column({ name: 'resource_type', type: 'varchar', length: 20 })
  resourceType: ResourceType;

  @Column({ name: 'generation_status', type: 'varchar', length: 20 })
  generationStatus: GenerationStatus;

  @Column({ type: 'text', nullable: true })
  url: string | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
